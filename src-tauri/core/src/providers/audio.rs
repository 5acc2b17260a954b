//! Audio plumbing for the offline voice: read a WAV, trim its silence, encode it as Ogg Vorbis.
//!
//! **Why Ogg Vorbis**: Anki (desktop and AnkiDroid) and every current browser play it, it is ~8 KB
//! per second of speech, and the encoder (`vorbis_rs`, aoTuV/Lancer libvorbis, BSD-3-Clause) is
//! compiled from bundled C sources, so no system library is needed. MP3 would need LAME, which is
//! LGPL: linking it statically into the app brings relinking obligations; Vorbis has none.
//!
//! Everything here is pure computation on bytes: no I/O, no panics on any input.

use std::num::{NonZeroU32, NonZeroU8};
use std::ops::Range;
use std::time::Duration;

use vorbis_rs::{VorbisBitrateManagementStrategy, VorbisEncoderBuilder};

/// 16-bit PCM audio, samples interleaved by channel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pcm {
    pub sample_rate: u32,
    /// 1 (mono) or 2 (stereo).
    pub channels: u16,
    pub samples: Vec<i16>,
}

impl Pcm {
    /// Number of frames (one sample per channel).
    pub fn frames(&self) -> usize {
        self.samples.len() / usize::from(self.channels.max(1))
    }

    pub fn duration(&self) -> Duration {
        if self.sample_rate == 0 {
            return Duration::ZERO;
        }
        Duration::from_secs_f64(self.frames() as f64 / f64::from(self.sample_rate))
    }

    /// The frames in `range` (clamped to the audio).
    pub fn slice_frames(&self, range: Range<usize>) -> Pcm {
        let ch = usize::from(self.channels.max(1));
        let end = range.end.min(self.frames());
        let start = range.start.min(end);
        Pcm { sample_rate: self.sample_rate, channels: self.channels, samples: self.samples[start * ch..end * ch].to_vec() }
    }
}

/// Why audio could not be read or encoded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AudioError {
    #[error("not a WAV file (no RIFF/WAVE header)")]
    NotWav,
    #[error("the WAV file is cut short in its {0}")]
    Truncated(&'static str),
    #[error("the WAV file has no fmt chunk")]
    NoFormat,
    #[error("the WAV file has no data chunk")]
    NoData,
    #[error("unsupported WAV audio: {0} (only 16-bit PCM, mono or stereo, is accepted)")]
    Unsupported(String),
    #[error("the audio is empty")]
    Empty,
    #[error("the audio is silent")]
    Silent,
    #[error("Ogg Vorbis encoder: {0}")]
    Encode(String),
}

const WAVE_FORMAT_PCM: u16 = 1;
const WAVE_FORMAT_EXTENSIBLE: u16 = 0xFFFE;

fn u16_at(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_le_bytes(b.get(at..at.checked_add(2)?)?.try_into().ok()?))
}

fn u32_at(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(b.get(at..at.checked_add(4)?)?.try_into().ok()?))
}

struct Format {
    tag: u16,
    channels: u16,
    sample_rate: u32,
    block_align: u16,
    bits: u16,
    /// First two bytes of the WAVE_FORMAT_EXTENSIBLE sub-format GUID (1 = PCM).
    sub_format: Option<u16>,
}

/// Reads a RIFF/WAVE file of 16-bit PCM, mono or stereo.
///
/// Chunks are walked properly (`fmt ` and `data` found wherever they are, odd-sized chunks skip
/// their pad byte, unknown chunks are skipped). The RIFF size is ignored, and a `data` size larger
/// than what is left of the file — the placeholder (`0x7ffff000`, `0xffffffff`) that streaming
/// writers such as `espeak-ng --stdout` leave, or a cut-off file — means "up to the end". A
/// trailing half frame is dropped.
pub fn parse_wav(bytes: &[u8]) -> Result<Pcm, AudioError> {
    if bytes.len() < 12 || &bytes[0..4] != b"RIFF" || &bytes[8..12] != b"WAVE" {
        return Err(AudioError::NotWav);
    }
    let mut format: Option<Format> = None;
    let mut data: Option<Range<usize>> = None;
    let mut pos = 12usize;
    while pos.checked_add(8).is_some_and(|h| h <= bytes.len()) {
        let id = &bytes[pos..pos + 4];
        let size = u32_at(bytes, pos + 4).unwrap_or(0) as usize;
        let body = pos + 8;
        let available = bytes.len() - body;
        match id {
            b"fmt " => format = Some(read_fmt(bytes, body, size, available)?),
            b"data" => {
                if size >= available {
                    // Placeholder size or a cut-off file: everything that is there.
                    data = Some(body..bytes.len());
                    break;
                }
                data = Some(body..body + size);
            }
            _ => {}
        }
        // Next chunk: odd sizes are followed by a pad byte. Past the end means we are done.
        match body.checked_add(size).and_then(|e| e.checked_add(size & 1)) {
            Some(next) if next > pos => pos = next,
            _ => break,
        }
        if format.is_some() && data.is_some() {
            break;
        }
    }
    let format = format.ok_or(AudioError::NoFormat)?;
    let data = data.ok_or(AudioError::NoData)?;

    let frame_bytes = check_pcm16(&format)?;
    let raw = &bytes[data];
    let whole = raw.len() - raw.len() % frame_bytes;
    let samples: Vec<i16> = raw[..whole].chunks_exact(2).map(|c| i16::from_le_bytes([c[0], c[1]])).collect();
    if samples.is_empty() {
        return Err(AudioError::Empty);
    }
    Ok(Pcm { sample_rate: format.sample_rate, channels: format.channels, samples })
}

/// A `fmt ` chunk whose body starts at `body` (`size` declared, `available` left in the file).
fn read_fmt(bytes: &[u8], body: usize, size: usize, available: usize) -> Result<Format, AudioError> {
    if size < 16 {
        return Err(AudioError::Unsupported(format!("fmt chunk of {size} bytes")));
    }
    if available < 16 {
        return Err(AudioError::Truncated("fmt chunk"));
    }
    let tag = u16_at(bytes, body).unwrap_or(0);
    let sub_format = if tag == WAVE_FORMAT_EXTENSIBLE {
        // cbSize(2) validBits(2) channelMask(4) then the GUID at offset 24.
        if size < 40 || available < 40 {
            return Err(AudioError::Truncated("fmt chunk"));
        }
        u16_at(bytes, body + 24)
    } else {
        None
    };
    Ok(Format {
        tag,
        channels: u16_at(bytes, body + 2).unwrap_or(0),
        sample_rate: u32_at(bytes, body + 4).unwrap_or(0),
        block_align: u16_at(bytes, body + 12).unwrap_or(0),
        bits: u16_at(bytes, body + 14).unwrap_or(0),
        sub_format,
    })
}

/// The bytes per frame of 16-bit PCM, mono or stereo, at a sane rate; any other format is
/// refused by name.
fn check_pcm16(format: &Format) -> Result<usize, AudioError> {
    let is_pcm = format.tag == WAVE_FORMAT_PCM || (format.tag == WAVE_FORMAT_EXTENSIBLE && format.sub_format == Some(WAVE_FORMAT_PCM));
    if !is_pcm {
        return Err(AudioError::Unsupported(format!("format tag {:#06x}", format.tag)));
    }
    if format.bits != 16 {
        return Err(AudioError::Unsupported(format!("{}-bit samples", format.bits)));
    }
    if !(1..=2).contains(&format.channels) {
        return Err(AudioError::Unsupported(format!("{} channels", format.channels)));
    }
    if !(1_000..=384_000).contains(&format.sample_rate) {
        return Err(AudioError::Unsupported(format!("sample rate {} Hz", format.sample_rate)));
    }
    let frame_bytes = usize::from(format.channels) * 2;
    if usize::from(format.block_align) != frame_bytes {
        return Err(AudioError::Unsupported(format!("block align {} for {} channels", format.block_align, format.channels)));
    }
    Ok(frame_bytes)
}

/// How [`trim_silence`] decides what is silence.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TrimOptions {
    /// A window is sound when its RMS level is at least this (dBFS, e.g. -45).
    pub threshold_dbfs: f32,
    /// Window length for the RMS level.
    pub window: Duration,
    /// Silence kept before the first and after the last sound window.
    pub padding: Duration,
}

impl Default for TrimOptions {
    fn default() -> Self {
        TrimOptions { threshold_dbfs: -45.0, window: Duration::from_millis(10), padding: Duration::from_millis(40) }
    }
}

fn frames_for(d: Duration, sample_rate: u32) -> usize {
    (d.as_secs_f64() * f64::from(sample_rate)).round() as usize
}

/// RMS level of each window of `window` frames (all channels together), in dBFS.
/// An all-zero window is `-inf`.
pub fn window_levels_dbfs(pcm: &Pcm, window: usize) -> Vec<f32> {
    let ch = usize::from(pcm.channels.max(1));
    let window = window.max(1);
    pcm.samples
        .chunks(window * ch)
        .map(|w| {
            let sum: f64 = w.iter().map(|&s| (f64::from(s) / 32768.0).powi(2)).sum();
            let rms = (sum / w.len() as f64).sqrt();
            (20.0 * rms.log10()) as f32
        })
        .collect()
}

/// The frames to keep: from `padding` before the first window at or above the threshold to
/// `padding` after the last one. `None` when no window reaches the threshold (silence, or no
/// audio at all): the caller decides what silence means; it is never trimmed to nothing.
pub fn trim_silence(pcm: &Pcm, opts: &TrimOptions) -> Option<Range<usize>> {
    let frames = pcm.frames();
    if frames == 0 {
        return None;
    }
    let window = frames_for(opts.window, pcm.sample_rate).max(1);
    let pad = frames_for(opts.padding, pcm.sample_rate);
    let levels = window_levels_dbfs(pcm, window);
    let loud = |l: &f32| *l >= opts.threshold_dbfs;
    let first = levels.iter().position(loud)?;
    let last = levels.iter().rposition(loud)?;
    let start = (first * window).saturating_sub(pad);
    let end = (last + 1).saturating_mul(window).saturating_add(pad).min(frames);
    Some(start..end)
}

/// Vorbis VBR quality used for the offline voice.
pub const DEFAULT_QUALITY: f32 = 0.3;

/// Encodes PCM as an Ogg Vorbis file. Stereo is mixed down to mono (a spoken word needs no
/// stereo, and mono is half the size). `quality` is Vorbis's VBR quality in [-0.2, 1.0]; 0.3 is
/// about 8 KB per second of 22,050 Hz speech. The stream serial is derived from the audio, so the
/// same input always gives the same bytes.
pub fn encode_ogg_vorbis(pcm: &Pcm, quality: f32) -> Result<Vec<u8>, AudioError> {
    let frames = pcm.frames();
    if frames == 0 {
        return Err(AudioError::Empty);
    }
    let rate = NonZeroU32::new(pcm.sample_rate).ok_or_else(|| AudioError::Unsupported("sample rate 0 Hz".into()))?;
    let ch = usize::from(pcm.channels.max(1));
    let mono: Vec<f32> = pcm
        .samples
        .chunks_exact(ch)
        .map(|f| f.iter().map(|&s| f32::from(s) / 32768.0).sum::<f32>() / ch as f32)
        .collect();

    // FNV-1a over the samples: a stable, content-derived Ogg stream serial.
    let serial = pcm.samples.iter().fold(0x811c_9dc5u32, |h, &s| {
        let [a, b] = s.to_le_bytes();
        ((h ^ u32::from(a)).wrapping_mul(0x0100_0193) ^ u32::from(b)).wrapping_mul(0x0100_0193)
    }) as i32;

    let quality = if quality.is_finite() { quality.clamp(-0.2, 1.0) } else { DEFAULT_QUALITY };
    let enc_err = |e: vorbis_rs::VorbisError| AudioError::Encode(e.to_string());
    let mut encoder = VorbisEncoderBuilder::new_with_serial(rate, NonZeroU8::MIN, Vec::with_capacity(frames / 2 + 4096), serial)
        .bitrate_management_strategy(VorbisBitrateManagementStrategy::QualityVbr { target_quality: quality })
        .build()
        .map_err(enc_err)?;
    for block in mono.chunks(1024) {
        encoder.encode_audio_block([block]).map_err(enc_err)?;
    }
    encoder.finish().map_err(enc_err)
}

/// The offline voice's pipeline: WAV from `espeak-ng` → trimmed PCM → Ogg Vorbis.
/// Silence-only (or empty) audio is [`AudioError::Silent`] / [`AudioError::Empty`], never a file.
pub fn wav_to_trimmed_ogg(wav: &[u8], trim: &TrimOptions, quality: f32) -> Result<Vec<u8>, AudioError> {
    let pcm = parse_wav(wav)?;
    let keep = trim_silence(&pcm, trim).ok_or(AudioError::Silent)?;
    encode_ogg_vorbis(&pcm.slice_frames(keep), quality)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A canonical 44-byte-header WAV around `samples`.
    fn wav(channels: u16, rate: u32, bits: u16, samples: &[i16], data_size: Option<u32>) -> Vec<u8> {
        let block = channels * bits / 8;
        let data: Vec<u8> = samples.iter().flat_map(|s| s.to_le_bytes()).collect();
        let mut w = b"RIFF".to_vec();
        w.extend_from_slice(&(36 + data.len() as u32).to_le_bytes());
        w.extend_from_slice(b"WAVEfmt ");
        w.extend_from_slice(&16u32.to_le_bytes());
        w.extend_from_slice(&1u16.to_le_bytes());
        w.extend_from_slice(&channels.to_le_bytes());
        w.extend_from_slice(&rate.to_le_bytes());
        w.extend_from_slice(&(rate * u32::from(block)).to_le_bytes());
        w.extend_from_slice(&block.to_le_bytes());
        w.extend_from_slice(&bits.to_le_bytes());
        w.extend_from_slice(b"data");
        w.extend_from_slice(&data_size.unwrap_or(data.len() as u32).to_le_bytes());
        w.extend_from_slice(&data);
        w
    }

    fn tone(frames: usize, amplitude: f32) -> Vec<i16> {
        (0..frames).map(|i| ((i as f32 * 0.2).sin() * amplitude * 32767.0) as i16).collect()
    }

    #[test]
    fn reads_a_plain_mono_wav() {
        let s = tone(100, 0.5);
        let pcm = parse_wav(&wav(1, 22_050, 16, &s, None)).unwrap();
        assert_eq!((pcm.sample_rate, pcm.channels), (22_050, 1));
        assert_eq!(pcm.samples, s);
    }

    #[test]
    fn espeak_streaming_placeholder_sizes_mean_up_to_the_end() {
        let s = tone(101, 0.5);
        for placeholder in [0x7fff_f000u32, u32::MAX] {
            let mut w = wav(1, 22_050, 16, &s, Some(placeholder));
            w[4..8].copy_from_slice(&0x7fff_f024u32.to_le_bytes());
            assert_eq!(parse_wav(&w).unwrap().samples, s);
        }
    }

    #[test]
    fn odd_sized_chunks_are_skipped_with_their_pad_byte() {
        let s = tone(10, 0.5);
        let w = wav(1, 16_000, 16, &s, None);
        // RIFF header + fmt chunk, then a 3-byte LIST chunk (+1 pad), then data.
        let mut odd = w[..36].to_vec();
        odd.extend_from_slice(b"LIST\x03\x00\x00\x00abc\x00");
        odd.extend_from_slice(&w[36..]);
        assert_eq!(parse_wav(&odd).unwrap().samples, s);
        // data before fmt is fine too.
        let mut swapped = w[..12].to_vec();
        swapped.extend_from_slice(&w[36..]);
        swapped.extend_from_slice(&w[12..36]);
        // The data chunk's exact size lets the walk go on to the fmt chunk.
        assert_eq!(parse_wav(&swapped).unwrap().samples, s);
    }

    #[test]
    fn truncated_and_broken_files_are_errors_not_panics() {
        let full = wav(1, 22_050, 16, &tone(50, 0.5), None);
        for n in 0..full.len() {
            let _ = parse_wav(&full[..n]);
        }
        assert_eq!(parse_wav(b"RIFF\0\0\0\0WAVE"), Err(AudioError::NoFormat));
        assert_eq!(parse_wav(&full[..30]), Err(AudioError::Truncated("fmt chunk")));
        assert_eq!(parse_wav(&full[..36]), Err(AudioError::NoData));
        assert_eq!(parse_wav(&full[..44]), Err(AudioError::Empty));
        // A cut-off data chunk keeps its whole frames; a half sample is dropped.
        assert_eq!(parse_wav(&full[..44 + 41]).unwrap().samples.len(), 20);
        assert_eq!(parse_wav(b"not a wav at all"), Err(AudioError::NotWav));
        // A chunk size that would overflow the position.
        let mut huge = b"RIFF\0\0\0\0WAVEJUNK\xff\xff\xff\xff".to_vec();
        huge.extend_from_slice(&[0; 8]);
        assert_eq!(parse_wav(&huge), Err(AudioError::NoFormat));
    }

    #[test]
    fn no_data_chunk_is_an_error() {
        let w = wav(1, 22_050, 16, &[], None);
        assert_eq!(parse_wav(&w[..36]), Err(AudioError::NoData));
        let mut junk = w[..36].to_vec();
        junk.extend_from_slice(b"JUNK\x02\x00\x00\x00ab");
        assert_eq!(parse_wav(&junk), Err(AudioError::NoData));
    }

    #[test]
    fn anything_but_16_bit_pcm_mono_or_stereo_is_rejected() {
        let s = tone(10, 0.5);
        assert!(matches!(parse_wav(&wav(1, 22_050, 8, &s, None)), Err(AudioError::Unsupported(m)) if m.contains("8-bit")));
        assert!(matches!(parse_wav(&wav(3, 22_050, 16, &s, None)), Err(AudioError::Unsupported(m)) if m.contains("3 channels")));
        let mut float = wav(1, 22_050, 16, &s, None);
        float[20] = 3; // WAVE_FORMAT_IEEE_FLOAT
        assert!(matches!(parse_wav(&float), Err(AudioError::Unsupported(m)) if m.contains("0x0003")));
        let stereo = parse_wav(&wav(2, 44_100, 16, &s, None)).unwrap();
        assert_eq!((stereo.channels, stereo.frames()), (2, 5));
        assert!(AudioError::Unsupported("x".into()).to_string().contains("16-bit PCM"));
    }

    #[test]
    fn silence_is_trimmed_with_padding() {
        let rate = 22_050;
        let mut s = vec![0i16; rate / 2]; // 500 ms silence
        s.extend(tone(rate / 4, 0.5)); // 250 ms sound
        s.extend(vec![3i16; rate]); // 1 s near-silence (-80 dBFS)
        let pcm = Pcm { sample_rate: rate as u32, channels: 1, samples: s };
        let r = trim_silence(&pcm, &TrimOptions::default()).unwrap();
        let ms = |f: usize| f as f64 * 1000.0 / rate as f64;
        assert!((ms(r.start) - 460.0).abs() < 11.0, "start {} ms", ms(r.start));
        assert!((ms(r.end) - 790.0).abs() < 11.0, "end {} ms", ms(r.end));
        let trimmed = pcm.slice_frames(r);
        assert!((trimmed.duration().as_secs_f64() - 0.33).abs() < 0.02);
    }

    #[test]
    fn silence_only_is_none_never_empty() {
        let opts = TrimOptions::default();
        assert_eq!(trim_silence(&Pcm { sample_rate: 22_050, channels: 1, samples: vec![0; 10_000] }, &opts), None);
        assert_eq!(trim_silence(&Pcm { sample_rate: 22_050, channels: 1, samples: vec![] }, &opts), None);
        // -60 dBFS hiss is silence at a -45 dB threshold.
        assert_eq!(trim_silence(&Pcm { sample_rate: 22_050, channels: 1, samples: tone(5_000, 0.001) }, &opts), None);
        assert_eq!(wav_to_trimmed_ogg(&wav(1, 22_050, 16, &vec![0; 5_000], None), &opts, 0.3), Err(AudioError::Silent));
        // Sound right at the edges keeps every frame; a single loud sample is kept.
        let edge = Pcm { sample_rate: 22_050, channels: 1, samples: tone(300, 0.5) };
        assert_eq!(trim_silence(&edge, &opts), Some(0..300));
        let mut click = vec![0i16; 1000];
        click[500] = i16::MAX;
        let r = trim_silence(&Pcm { sample_rate: 22_050, channels: 1, samples: click }, &opts).unwrap();
        assert!(r.contains(&500) && !r.is_empty());
    }

    #[test]
    fn stereo_windows_cover_both_channels() {
        let mut s = Vec::new();
        for (i, t) in tone(2_205, 0.5).into_iter().enumerate() {
            s.extend([0, if i > 1_000 { t } else { 0 }]);
        }
        let r = trim_silence(&Pcm { sample_rate: 22_050, channels: 2, samples: s }, &TrimOptions::default()).unwrap();
        assert!(r.start > 0 && r.start <= 1_000 && r.end == 2_205, "{r:?}");
    }

    #[test]
    fn encodes_ogg_vorbis_deterministically() {
        let pcm = Pcm { sample_rate: 22_050, channels: 1, samples: tone(22_050, 0.5) };
        let a = encode_ogg_vorbis(&pcm, 0.3).unwrap();
        assert!(a.starts_with(b"OggS"));
        assert!(a.windows(7).any(|w| w == b"\x01vorbis"));
        assert_eq!(a, encode_ogg_vorbis(&pcm, 0.3).unwrap());
        let stereo = Pcm { sample_rate: 44_100, channels: 2, samples: tone(1_000, 0.5) };
        assert!(encode_ogg_vorbis(&stereo, 0.3).unwrap().starts_with(b"OggS"));
        assert_eq!(encode_ogg_vorbis(&Pcm { sample_rate: 22_050, channels: 1, samples: vec![] }, 0.3), Err(AudioError::Empty));
        // Out-of-range quality is clamped, not an error.
        assert!(encode_ogg_vorbis(&pcm, 7.0).is_ok());
        assert!(encode_ogg_vorbis(&pcm, f32::NAN).is_ok());
    }
}
