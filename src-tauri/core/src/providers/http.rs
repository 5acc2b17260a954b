//! The checks every provider's HTTP answer shares before it is trusted (the client itself is
//! built in [`crate::net`]).
//!
//! * **Connect timeout apart from the request timeout.** On a black-holed network (Wi-Fi up, no
//!   route, SYNs dropped) a connection never completes; it fails after the connect timeout
//!   ([`crate::net::DEFAULT_CONNECT_TIMEOUT`], `connect_timeout_secs` in the config) as a *connect* error,
//!   which providers report as [`ProviderError::Unreachable`] ("waiting for network": no
//!   attempt spent), instead of eating the whole request timeout as an ordinary retry.
//! * **Redirects are never followed.** The key travels in a header (`Authorization`,
//!   `xi-api-key`) or, for AnkiConnect, in the JSON body that a 307/308 would send again; a
//!   client that follows a redirect hands it to whatever host the answer names. None of these
//!   APIs redirects a POST, so a 3xx is an error that names where it pointed
//!   ([`redirect_error`]): the user can set that address as the base URL, and its key with it.
//! * **Pictures are measured before they are decoded** ([`check_image_dimensions`]): a PNG,
//!   JPEG or WebP whose header claims more than [`MAX_IMAGE_SIDE`] pixels a side or
//!   [`MAX_IMAGE_PIXELS`] in all is refused as a provider error, so a hostile or broken server
//!   cannot make a thumbnailer allocate gigabytes.
//!
//! It deliberately knows nothing of keys, endpoints or answer shapes: the providers do.


use super::ProviderError;

/// The widest or tallest picture accepted from a provider, in pixels.
pub const MAX_IMAGE_SIDE: usize = 8192;
/// The most pixels a picture from a provider may have (width × height).
pub const MAX_IMAGE_PIXELS: usize = 40_000_000;

/// The error for a 3xx answer: permanent, naming the host it pointed to (never the path or
/// query, which may carry tokens).
pub fn redirect_error(status: u16, location: Option<&str>, base: &reqwest::Url) -> ProviderError {
    let target = location
        .and_then(|l| base.join(l).ok())
        .and_then(|u| u.host_str().map(|h| format!("{}://{h}", u.scheme())))
        .unwrap_or_else(|| "another address".into());
    ProviderError::permanent(format!(
        "the server redirected to {target} (HTTP {status}); redirects are not followed so the key is never sent elsewhere: set the base URL to the address it points to"
    ))
}

/// Refuses a picture whose header claims absurd dimensions, reading only the header.
/// Pictures whose size cannot be read pass: decoding them is someone else's check.
pub fn check_image_dimensions(bytes: &[u8]) -> Result<(), ProviderError> {
    let Ok(size) = imagesize::blob_size(bytes) else { return Ok(()) };
    let pixels = size.width.saturating_mul(size.height);
    if size.width > MAX_IMAGE_SIDE || size.height > MAX_IMAGE_SIDE || pixels > MAX_IMAGE_PIXELS {
        return Err(ProviderError::permanent(format!(
            "the provider's picture claims {}×{} pixels (at most {MAX_IMAGE_SIDE} a side and {} million in all)",
            size.width,
            size.height,
            MAX_IMAGE_PIXELS / 1_000_000
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A PNG signature and IHDR chunk claiming `w`×`h` (no pixel data follows).
    fn png_header(w: u32, h: u32) -> Vec<u8> {
        let mut b = b"\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR".to_vec();
        b.extend_from_slice(&w.to_be_bytes());
        b.extend_from_slice(&h.to_be_bytes());
        b.extend_from_slice(&[8, 6, 0, 0, 0, 0, 0, 0, 0]);
        b
    }

    #[test]
    fn absurd_picture_dimensions_are_refused_from_the_header() {
        assert!(check_image_dimensions(&png_header(512, 512)).is_ok());
        assert!(check_image_dimensions(&png_header(8192, 4096)).is_ok());
        for (w, h) in [(100_000, 100_000), (8193, 1), (1, 8193), (8000, 8000)] {
            let err = check_image_dimensions(&png_header(w, h)).unwrap_err();
            assert!(matches!(err, ProviderError::Permanent { .. }), "{w}x{h}: {err:?}");
            assert!(err.to_string().contains(&format!("{w}×{h}")), "{err}");
        }
        // JPEG: SOI, then a SOF0 segment with height 60000 and width 60000.
        let jpeg = [0xff, 0xd8, 0xff, 0xc0, 0x00, 0x11, 0x08, 0xea, 0x60, 0xea, 0x60, 0x03, 1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1];
        assert!(check_image_dimensions(&jpeg).is_err());
        // WebP (VP8X): 24-bit width-1 and height-1 = 16383 × 16383.
        let mut webp = b"RIFF\0\0\0\0WEBPVP8X\x0a\0\0\0\0\0\0\0".to_vec();
        webp.extend_from_slice(&[0xff, 0x3f, 0x00, 0xff, 0x3f, 0x00]);
        assert!(check_image_dimensions(&webp).is_err());
    }

    #[test]
    fn a_redirect_names_only_the_host_it_pointed_to() {
        let base = reqwest::Url::parse("https://api.example.com/v1/").unwrap();
        let err = redirect_error(307, Some("https://evil.example.net/steal?token=abc"), &base);
        assert!(matches!(err, ProviderError::Permanent { .. }));
        assert!(err.to_string().contains("https://evil.example.net") && !err.to_string().contains("token"), "{err}");
        assert!(redirect_error(302, None, &base).to_string().contains("another address"));
    }
}
