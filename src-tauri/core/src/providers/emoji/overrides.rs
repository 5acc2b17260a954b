//! Reviewed corrections to keyword matching, per pack locale: `(locale, "word|word", emoji)`.
//! `None` means "this concept has no emoji; show the word card" (a table is not 🏓 ping pong).
//!
//! Each entry fixes a miss seen in `examples/emoji_coverage.rs` or in the matching experiment of
//! docs (offline-media.md §3.2): colour/fruit ambiguity (orange → 🟧), compound labels
//! (table → table tennis, ball → rice ball), concepts CLDR files elsewhere (river, water), and
//! generic words whose keyword pick is a special case (car → 🏎️ racing car, tree → 🎄).
//! Keys are written as a user would type them; they are normalised like queries (lower case,
//! ё→е, punctuation → space). Only words in the locale's own language belong in its row.

pub(crate) type Override = (&'static str, &'static str, Option<&'static str>);

pub(crate) const OVERRIDES: &[Override] = &[
    // English
    ("en", "table|desk", None),
    ("en", "apple|apples", Some("🍎")), // 🍏 "green apple" ties with "red apple" and has fewer tags
    ("en", "orange", Some("🍊")),
    ("en", "river|stream", Some("🏞️")),
    ("en", "ball", Some("⚽")),
    ("en", "computer|laptop", Some("💻")),
    ("en", "tree", Some("🌳")),
    ("en", "car|automobile", Some("🚗")),
    ("en", "clock", Some("🕰️")),
    ("en", "star", Some("⭐")),
    ("en", "water", Some("💧")),
    ("en", "milk", Some("🥛")),
    ("en", "hat", Some("🎩")),
    ("en", "flower", Some("🌷")),       // not 💮 "white flower" (a Japanese "well done" stamp)
    ("en", "tea", Some("🍵")),          // not 🧋 bubble tea
    ("en", "shoe|shoes", Some("👞")),  // not 🥿 flat shoe, 🩰 ballet shoes
    ("en", "shirt", Some("👕")),        // not 🎽 running shirt
    ("en", "cake", Some("🍰")),         // not 🥮 moon cake
    ("en", "beer", Some("🍺")),         // not 🍻 clinking beer mugs
    ("en", "sheep", Some("🐑")),        // not 🐏 ram
    ("en", "hand", Some("✋")),         // not ✍️ writing hand
    ("en", "money", Some("💰")),        // not 🤑 money-mouth face
    ("en", "love", Some("❤️")),         // not 🏩 love hotel
    // Abstract words whose tag match is a symbol, not a picture of the word: ⛓️‍💥 broken chain,
    // 🗽 Statue of Liberty. A word card is clearer.
    ("en", "freedom|liberty", None),
    ("de", "freiheit", None),
    ("es", "libertad", None),
    ("ru", "свобода", None),
    // German
    ("de", "tisch|schreibtisch", None),
    ("de", "orange|apfelsine", Some("🍊")),
    ("de", "fluss|strom", Some("🏞️")),
    ("de", "ball|fußball", Some("⚽")),
    ("de", "computer|rechner|laptop", Some("💻")),
    ("de", "baum", Some("🌳")),
    ("de", "auto|wagen", Some("🚗")),
    ("de", "uhr", Some("🕰️")),
    ("de", "stern", Some("⭐")),
    ("de", "wasser", Some("💧")),
    ("de", "milch", Some("🥛")),
    ("de", "hut", Some("🎩")),
    ("de", "blume", Some("🌷")),        // not 🥀 welke Blume
    ("de", "tee", Some("🍵")),          // not 🧉 Mate-Tee
    ("de", "schuh", Some("👞")),        // not 🥿 flacher Schuh
    ("de", "mond", Some("🌙")),         // not 🌑 Neumond
    ("de", "weintraube|weintrauben", Some("🍇")),
    ("de", "kuchen|torte", Some("🍰")), // CLDR de labels 🥧 "Kuchen"
    ("de", "wein", Some("🍷")),         // not 🍇 Trauben
    ("de", "hand", Some("✋")),         // not ✍️ schreibende Hand
    ("de", "geld", Some("💰")),         // not 🏦 Bank
    // Spanish
    ("es", "mesa|escritorio", None),
    ("es", "naranja", Some("🍊")),
    ("es", "río", Some("🏞️")),
    ("es", "pelota|balón", Some("⚽")),
    ("es", "ordenador|computadora|computador", Some("💻")),
    ("es", "árbol", Some("🌳")),
    ("es", "coche|carro|auto|automóvil", Some("🚗")),
    ("es", "reloj", Some("🕰️")),
    ("es", "estrella", Some("⭐")),
    ("es", "agua", Some("💧")),
    ("es", "leche", Some("🥛")),
    ("es", "sombrero", Some("🎩")),
    ("es", "zapato", Some("👞")),       // not 👠 zapato de tacón
    ("es", "camisa", Some("👕")),       // not 👚 ropa de mujer
    ("es", "pastel|tarta", Some("🍰")), // CLDR es labels 🥧 "pastel"
    ("es", "mano", Some("✋")),         // not 📢 altavoz de mano
    ("es", "buque", Some("🚢")),
    // Russian
    ("ru", "стол", None),
    ("ru", "яблоко", Some("🍎")),       // not 🍏 (tie, fewer tags)
    ("ru", "апельсин", Some("🍊")),
    ("ru", "река", Some("🏞️")),
    ("ru", "мяч", Some("⚽")),
    ("ru", "компьютер|ноутбук", Some("💻")),
    ("ru", "дерево", Some("🌳")),
    ("ru", "машина|автомобиль", Some("🚗")),
    ("ru", "часы", Some("🕰️")),
    ("ru", "звезда", Some("⭐")),
    ("ru", "вода", Some("💧")),
    ("ru", "молоко", Some("🥛")),
    ("ru", "шляпа", Some("🎩")),
    ("ru", "чай", Some("🍵")),          // not 🧋 чай с шариками
    ("ru", "луна", Some("🌙")),         // not 🌒 молодая луна
    ("ru", "медведь", Some("🐻")),      // not 🐼 морда панды
    ("ru", "лев", Some("🦁")),          // not ♌ знак зодиака Лев
    ("ru", "деньги", Some("💰")),       // not 🫰 жест «деньги»
    // French, Italian, Portuguese, Polish, Dutch, Ukrainian: the same concepts, checked with
    // `emoji_coverage -- --try LANG words...` (no measured word list for these yet).
    ("fr", "table|bureau", None),
    ("fr", "orange", Some("🍊")),      // not 🧡 cœur orange
    ("fr", "eau", Some("💧")),         // not 🔫 pistolet à eau
    ("fr", "rivière|fleuve", Some("🏞️")),
    ("fr", "arbre", Some("🌳")),       // not 🎋 arbre à vœux
    ("fr", "horloge", Some("🕰️")),
    ("fr", "ordinateur", Some("💻")),  // not 🖱️ souris d’ordinateur
    ("fr", "ballon", Some("⚽")),      // not ⛹️‍♂️
    ("fr", "chapeau", Some("🎩")),     // not 👒 chapeau de femme
    ("fr", "fleur", Some("🌷")),       // not 💮
    ("fr", "chemise", Some("👕")),     // not 👔 cravate
    ("fr", "lune", Some("🌙")),        // not 🐡 poisson-lune
    ("fr", "main", Some("✋")),        // not 🙋‍♀️
    ("it", "tavolo|scrivania", None),  // not 🗃️ schedario da tavolo
    ("it", "acqua", Some("💧")),       // not 🐃 bufalo d’acqua
    ("it", "fiume", Some("🏞️")),       // not 🛶 canoa
    ("it", "macchina|automobile", Some("🚗")), // not 🚓 macchina della polizia
    ("it", "computer", Some("💻")),
    ("it", "palla|pallone", Some("⚽")),
    ("it", "cappello", Some("🎩")),    // not 🤠
    ("it", "camicia", Some("👕")),     // not 👔 cravatta
    ("it", "luna", Some("🌙")),        // not 🌓 primo quarto di luna
    ("it", "torta", Some("🍰")),       // CLDR it labels 🥧 "torta"
    ("it", "mano", Some("✋")),        // not 🤝 stretta di mano
    ("pt", "mesa|escrivaninha", None), // not 🕰️ relógio de mesa
    ("pt", "laranja", Some("🍊")),     // not 🟠 círculo laranja
    ("pt", "água", Some("💧")),        // not 🐳
    ("pt", "árvore", Some("🌳")),      // not 🎄 árvore de natal
    ("pt", "relógio", Some("🕰️")),
    ("pt", "estrela", Some("⭐")),     // not 🎇 vela estrela
    ("pt", "computador", Some("💻")),
    ("pt", "chapéu", Some("🎩")),      // not 👒 chapéu feminino
    ("pt", "sapato", Some("👞")),      // not 👠
    ("pt", "lua", Some("🌙")),         // not 🎑 contemplação da lua
    ("pt", "bolo", Some("🍰")),
    ("pt", "mão", Some("✋")),         // not ✍️
    ("pl", "stół|biurko", None),
    ("pl", "jabłko", Some("🍎")),
    ("pl", "woda", Some("💧")),        // not 🚰 woda pitna
    ("pl", "mleko", Some("🥛")),       // not 🐄 krowa
    ("pl", "rzeka", Some("🏞️")),
    ("pl", "drzewo", Some("🌳")),
    ("pl", "komputer", Some("💻")),
    ("pl", "piłka", Some("⚽")),       // not 🏉 piłka do rugby
    ("pl", "kapelusz", Some("🎩")),    // not 👒 kapelusz damski
    ("pl", "koszula", Some("👕")),     // not 👔 krawat
    ("pl", "księżyc", Some("🌙")),
    ("pl", "ciasto", Some("🍰")),      // CLDR pl labels 🥧 "ciasto"
    ("pl", "ręka|dłoń", Some("✋")),   // not 🧤 rękawiczki
    ("pl", "pieniądze", Some("💰")),   // not 💸
    ("nl", "tafel|bureau", None),
    ("nl", "water", Some("💧")),       // not 🚿 douche
    ("nl", "rivier", Some("🏞️")),
    ("nl", "boom", Some("🌳")),
    ("nl", "computer", Some("💻")),    // not 🖲️ trackball
    ("nl", "bal", Some("⚽")),         // not ⚾ honkbal
    ("nl", "bloem", Some("🌷")),
    ("nl", "thee", Some("🍵")),
    ("nl", "schoen", Some("👞")),
    ("nl", "overhemd", Some("👕")),    // not 👔 stropdas
    ("nl", "maan", Some("🌙")),
    ("nl", "taart", Some("🍰")),       // CLDR nl labels 🥧 "taart"
    ("nl", "hand", Some("✋")),
    ("nl", "appel", Some("🍎")),
    ("uk", "стіл", None),              // not 🏓
    ("uk", "апельсин", Some("🍊")),
    ("uk", "вода", Some("💧")),
    ("uk", "річка", Some("🏞️")),
    ("uk", "машина|автомобіль", Some("🚗")), // not 🚒 пожежна машина
    ("uk", "годинник", Some("🕰️")),
    ("uk", "м'яч|м’яч", Some("⚽")),  // not ⚾
    ("uk", "квітка", Some("🌷")),
    ("uk", "чай", Some("🍵")),         // not 🧋
    ("uk", "черевик", Some("👞")),
    ("uk", "сорочка", Some("👕")),     // not 🎽
    ("uk", "місяць", Some("🌙")),
    ("uk", "торт", Some("🍰")),
    ("uk", "рука", Some("✋")),        // not 🦾 механічна рука
    ("uk", "гроші", Some("💰")),       // not 💸
];

/// Reviewed English keys for the Mulberry pictograms: `("word|word", symbol id)`, `None` for
/// "no pictogram shows this". Keys are glosses as `pictogram::gloss_query` leaves them
/// ("to be afraid" → "afraid"). Mostly synonyms the source names otherwise (big → `large`);
/// each fixes a miss of the *fitted* list in `assets/pictograms/words.tsv`.
pub(crate) type PictogramOverride = (&'static str, Option<&'static str>);

pub(crate) const PICTOGRAM_OVERRIDES: &[PictogramOverride] = &[
    ("speak|talk|say", Some("talk_1_,_to")), // not 🙊 speak-no-evil monkey
    ("see", Some("look_,_to")),              // not 🧧 red envelope (a tag)
    ("listen", Some("hear_,_to")),
    ("buy", Some("shop")),
    ("wash", Some("wash_hands_,_to")),       // not "wash up" (the dishes)
    ("big", Some("large")),                  // not 😃 grinning face with big eyes
    ("small", Some("little")),               // not 🛩️ small airplane
    ("beautiful|pretty", Some("pretty")),    // not 🦋 / 🦚 (de, ru tags)
    ("clean", Some("clean_room")),           // not 🧼 soap
];
