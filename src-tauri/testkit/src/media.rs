//! Small, well-formed media files that differ per word, and structural validators for them.
//!
//! The generators make real files a decoder accepts (an 8x8 RGBA PNG, MPEG-1 Layer III frames
//! behind an ID3v2.4 tag, 16-bit PCM WAV), with the word embedded so distinct words give
//! distinct bytes. The validators check structure (signatures, sizes, CRCs), not content.

/// An 8x8 RGBA PNG tinted by the word, with the word in an `iTXt` chunk (UTF-8).
pub fn png_for_word(word: &str) -> Vec<u8> {
    let hash = fnv1a(word.as_bytes());
    let pixel = [(hash >> 24) as u8, (hash >> 16) as u8, (hash >> 8) as u8, 0xff];
    let (width, height) = (8u32, 8u32);
    let mut row = vec![0]; // filter type: none
    for _ in 0..width {
        row.extend_from_slice(&pixel);
    }
    let raw = row.repeat(height as usize);
    let mut ihdr = Vec::with_capacity(13);
    ihdr.extend_from_slice(&width.to_be_bytes());
    ihdr.extend_from_slice(&height.to_be_bytes());
    ihdr.extend_from_slice(&[8, 6, 0, 0, 0]); // 8-bit RGBA, deflate, adaptive filter, no interlace
    let mut itxt = b"Title\0\0\0\0\0".to_vec(); // keyword, uncompressed, no language or translation
    itxt.extend_from_slice(word.as_bytes());

    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    push_chunk(&mut png, b"IHDR", &ihdr);
    push_chunk(&mut png, b"iTXt", &itxt);
    push_chunk(&mut png, b"IDAT", &zlib_stored(&raw));
    push_chunk(&mut png, b"IEND", &[]);
    png
}

/// An ID3v2.4 tag with the word in a `TXXX` frame, then five silent MPEG-1 Layer III frames
/// (128 kbit/s, 44.1 kHz, 417 bytes each).
pub fn mp3_for_word(word: &str) -> Vec<u8> {
    let mut frame_body = vec![3]; // UTF-8
    frame_body.extend_from_slice(b"word\0");
    frame_body.extend_from_slice(word.as_bytes());
    let mut frames = b"TXXX".to_vec();
    frames.extend_from_slice(&syncsafe(frame_body.len() as u32));
    frames.extend_from_slice(&[0, 0]);
    frames.extend_from_slice(&frame_body);

    let mut mp3 = b"ID3\x04\x00\x00".to_vec();
    mp3.extend_from_slice(&syncsafe(frames.len() as u32));
    mp3.extend_from_slice(&frames);
    for _ in 0..5 {
        let start = mp3.len();
        mp3.extend_from_slice(&[0xff, 0xfb, 0x90, 0x64]);
        mp3.resize(start + 417, 0);
    }
    mp3
}

/// A mono 16-bit 8 kHz WAV with 0.1 s of silence and the word in a `LIST/INFO/INAM` chunk.
pub fn wav_for_word(word: &str) -> Vec<u8> {
    let (rate, channels, bits) = (8000u32, 1u16, 16u16);
    let data = vec![0u8; (rate / 10) as usize * 2];
    let mut name = word.as_bytes().to_vec();
    name.push(0);
    if name.len() % 2 == 1 {
        name.push(0);
    }
    let mut list = b"INFOINAM".to_vec();
    list.extend_from_slice(&(name.len() as u32).to_le_bytes());
    list.extend_from_slice(&name);

    let mut fmt = Vec::with_capacity(16);
    fmt.extend_from_slice(&1u16.to_le_bytes()); // PCM
    fmt.extend_from_slice(&channels.to_le_bytes());
    fmt.extend_from_slice(&rate.to_le_bytes());
    fmt.extend_from_slice(&(rate * u32::from(channels) * u32::from(bits) / 8).to_le_bytes());
    fmt.extend_from_slice(&(channels * bits / 8).to_le_bytes());
    fmt.extend_from_slice(&bits.to_le_bytes());

    let mut body = b"WAVE".to_vec();
    for (id, chunk) in [(b"fmt ", &fmt), (b"LIST", &list), (b"data", &data)] {
        body.extend_from_slice(id);
        body.extend_from_slice(&(chunk.len() as u32).to_le_bytes());
        body.extend_from_slice(chunk);
    }
    let mut wav = b"RIFF".to_vec();
    wav.extend_from_slice(&(body.len() as u32).to_le_bytes());
    wav.extend_from_slice(&body);
    wav
}

/// Signature, `IHDR` first (13 bytes, non-zero size), every chunk's CRC, and `IEND` last.
pub fn is_valid_png(bytes: &[u8]) -> bool {
    let Some(mut rest) = bytes.strip_prefix(b"\x89PNG\r\n\x1a\n") else { return false };
    let mut first = true;
    while rest.len() >= 12 {
        let len = u32::from_be_bytes([rest[0], rest[1], rest[2], rest[3]]) as usize;
        if len > rest.len() - 12 {
            return false;
        }
        let (kind, data) = (&rest[4..8], &rest[8..8 + len]);
        let crc = u32::from_be_bytes([rest[8 + len], rest[9 + len], rest[10 + len], rest[11 + len]]);
        if crc32(&rest[4..8 + len]) != crc {
            return false;
        }
        if first && (kind != b"IHDR" || len != 13 || data[..4] == [0; 4] || data[4..8] == [0; 4]) {
            return false;
        }
        first = false;
        rest = &rest[12 + len..];
        if kind == b"IEND" {
            return rest.is_empty();
        }
    }
    false
}

/// An optional ID3v2 tag (skipped by its syncsafe size), then an MPEG audio frame header that is
/// valid and whose frame fits in the bytes; when a second frame follows, it must sync too.
pub fn is_valid_mp3(bytes: &[u8]) -> bool {
    let mut offset = 0;
    if bytes.len() >= 10 && &bytes[..3] == b"ID3" {
        if bytes[3] == 0xff || bytes[4] == 0xff || bytes[6..10].iter().any(|b| b & 0x80 != 0) {
            return false;
        }
        let size = bytes[6..10].iter().fold(0usize, |acc, b| (acc << 7) | usize::from(*b));
        let footer = if bytes[5] & 0x10 != 0 { 10 } else { 0 };
        offset = 10 + size + footer;
    }
    let Some(len) = bytes.get(offset..).and_then(mpeg_frame_len) else { return false };
    if offset + len > bytes.len() {
        return false;
    }
    let next = &bytes[offset + len..];
    next.len() < 4 || mpeg_frame_len(next).is_some()
}

/// `RIFF`/`WAVE` with a consistent size, a `fmt ` chunk (PCM or other, non-zero channels and
/// rate) and a `data` chunk, every chunk within bounds.
pub fn is_valid_wav(bytes: &[u8]) -> bool {
    if bytes.len() < 12 || &bytes[..4] != b"RIFF" || &bytes[8..12] != b"WAVE" {
        return false;
    }
    let riff_len = u32::from_le_bytes([bytes[4], bytes[5], bytes[6], bytes[7]]) as usize;
    if riff_len + 8 > bytes.len() || riff_len < 4 {
        return false;
    }
    let mut rest = &bytes[12..8 + riff_len];
    let (mut fmt_ok, mut data_ok) = (false, false);
    while rest.len() >= 8 {
        let len = u32::from_le_bytes([rest[4], rest[5], rest[6], rest[7]]) as usize;
        if len > rest.len() - 8 {
            return false;
        }
        let chunk = &rest[8..8 + len];
        match &rest[..4] {
            b"fmt " => {
                fmt_ok = len >= 16
                    && u16::from_le_bytes([chunk[2], chunk[3]]) > 0
                    && u32::from_le_bytes([chunk[4], chunk[5], chunk[6], chunk[7]]) > 0
            }
            b"data" => data_ok = fmt_ok,
            _ => {}
        }
        let padded = len + len % 2;
        rest = rest.get(8 + padded..).unwrap_or(&[]);
    }
    fmt_ok && data_ok
}

/// The length of the MPEG audio frame whose header starts `bytes`, if the header is valid.
fn mpeg_frame_len(bytes: &[u8]) -> Option<usize> {
    let h = bytes.get(..4)?;
    if h[0] != 0xff || h[1] & 0xe0 != 0xe0 {
        return None;
    }
    let version = (h[1] >> 3) & 3; // 0: MPEG-2.5, 1: reserved, 2: MPEG-2, 3: MPEG-1
    let layer = (h[1] >> 1) & 3; // 1: III, 2: II, 3: I, 0: reserved
    let bitrate_index = usize::from(h[2] >> 4);
    let rate_index = usize::from((h[2] >> 2) & 3);
    let padding = usize::from((h[2] >> 1) & 1);
    if version == 1 || layer == 0 || bitrate_index == 0 || bitrate_index == 15 || rate_index == 3 {
        return None;
    }
    const V1: [[u32; 14]; 3] = [
        [32, 64, 96, 128, 160, 192, 224, 256, 288, 320, 352, 384, 416, 448], // layer I
        [32, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384],    // layer II
        [32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320],     // layer III
    ];
    const V2_L1: [u32; 14] = [32, 48, 56, 64, 80, 96, 112, 128, 144, 160, 176, 192, 224, 256];
    const V2_L23: [u32; 14] = [8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160];
    let layer_row = usize::from(3 - layer); // 0: I, 1: II, 2: III
    let kbps = match (version, layer_row) {
        (3, row) => V1[row][bitrate_index - 1],
        (_, 0) => V2_L1[bitrate_index - 1],
        _ => V2_L23[bitrate_index - 1],
    };
    let base_rate = [44_100u32, 48_000, 32_000][rate_index];
    let sample_rate = match version {
        3 => base_rate,
        2 => base_rate / 2,
        _ => base_rate / 4,
    };
    let bits = kbps * 1000;
    let len = match (layer_row, version) {
        (0, _) => (12 * bits / sample_rate) as usize * 4 + padding * 4,
        (2, 0 | 2) => (72 * bits / sample_rate) as usize + padding,
        _ => (144 * bits / sample_rate) as usize + padding,
    };
    Some(len)
}

fn push_chunk(png: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
    png.extend_from_slice(&(data.len() as u32).to_be_bytes());
    let start = png.len();
    png.extend_from_slice(kind);
    png.extend_from_slice(data);
    let crc = crc32(&png[start..]);
    png.extend_from_slice(&crc.to_be_bytes());
}

/// A zlib stream of stored (uncompressed) deflate blocks.
fn zlib_stored(data: &[u8]) -> Vec<u8> {
    let mut out = vec![0x78, 0x01];
    let mut blocks = data.chunks(65_535).peekable();
    if blocks.peek().is_none() {
        out.extend_from_slice(&[1, 0, 0, 0xff, 0xff]);
    }
    while let Some(block) = blocks.next() {
        out.push(u8::from(blocks.peek().is_none()));
        let len = block.len() as u16;
        out.extend_from_slice(&len.to_le_bytes());
        out.extend_from_slice(&(!len).to_le_bytes());
        out.extend_from_slice(block);
    }
    let (mut a, mut b) = (1u32, 0u32);
    for &byte in data {
        a = (a + u32::from(byte)) % 65_521;
        b = (b + a) % 65_521;
    }
    out.extend_from_slice(&((b << 16) | a).to_be_bytes());
    out
}

/// CRC-32 (ISO-HDLC, as PNG uses it), bitwise: the files here are tiny.
fn crc32(data: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &byte in data {
        crc ^= u32::from(byte);
        for _ in 0..8 {
            crc = if crc & 1 != 0 { (crc >> 1) ^ 0xedb8_8320 } else { crc >> 1 };
        }
    }
    !crc
}

fn fnv1a(data: &[u8]) -> u32 {
    data.iter().fold(0x811c_9dc5, |h, &b| (h ^ u32::from(b)).wrapping_mul(0x0100_0193))
}

fn syncsafe(n: u32) -> [u8; 4] {
    [(n >> 21) as u8 & 0x7f, (n >> 14) as u8 & 0x7f, (n >> 7) as u8 & 0x7f, n as u8 & 0x7f]
}
