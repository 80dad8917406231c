//! Server-made thumbnails of the photos the server can decode (JPEG, PNG,
//! WebP; not HEIC, which has no decoder here: such photos are stored and
//! shown at full size only). Re-encoded as JPEG they carry no metadata at
//! all, turned upright as the camera's orientation tag says.

use std::io::Cursor;

use anyhow::Context;
use image::{codecs::jpeg::JpegEncoder, DynamicImage, ImageDecoder, ImageReader, Limits};

/// The longest side of the small (gallery) and medium (viewer on a phone) sizes.
pub const SMALL: u32 = 240;
pub const MEDIUM: u32 = 1024;

/// Whether thumbnails can be made of this type.
pub fn decodable(mime: &str) -> bool {
    matches!(mime, "image/jpeg" | "image/png" | "image/webp")
}

/// The small and medium JPEG thumbnails of an image. Blocking: run it with
/// `spawn_blocking`, one of the storage's `decoding` permits held.
pub fn make(bytes: &[u8]) -> anyhow::Result<(Vec<u8>, Vec<u8>)> {
    let mut reader =
        ImageReader::new(Cursor::new(bytes)).with_guessed_format().context("reading the image")?;
    // A 25 MB file may claim any size: decoding stops past 64 megapixels.
    let mut limits = Limits::default();
    limits.max_image_width = Some(16_384);
    limits.max_image_height = Some(16_384);
    limits.max_alloc = Some(256 * 1024 * 1024);
    reader.limits(limits);
    let mut decoder = reader.into_decoder().context("decoding the image")?;
    let orientation = decoder.orientation().context("reading the orientation")?;
    let mut image = DynamicImage::from_decoder(decoder).context("decoding the image")?;
    image.apply_orientation(orientation);
    let medium = shrink(image, MEDIUM);
    let small = shrink(medium.clone(), SMALL);
    Ok((encode(&small)?, encode(&medium)?))
}

/// At most `side` pixels on its longest side; a smaller image stays as it is.
fn shrink(image: DynamicImage, side: u32) -> DynamicImage {
    if image.width() <= side && image.height() <= side {
        image
    } else {
        image.thumbnail(side, side)
    }
}

fn encode(image: &DynamicImage) -> anyhow::Result<Vec<u8>> {
    let mut out = Vec::new();
    JpegEncoder::new_with_quality(&mut out, 80)
        .encode_image(&image.to_rgb8())
        .context("encoding a thumbnail")?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_photo_gets_two_smaller_jpegs() {
        let photo = DynamicImage::new_rgb8(3000, 2000);
        let (small, medium) = make(&encode(&photo).unwrap()).unwrap();
        let small = image::load_from_memory(&small).unwrap();
        let medium = image::load_from_memory(&medium).unwrap();
        assert_eq!((small.width(), small.height()), (240, 160));
        assert_eq!((medium.width(), medium.height()), (1024, 683));
        let (_, medium) = make(&encode(&DynamicImage::new_rgb8(800, 600)).unwrap()).unwrap();
        assert_eq!(image::load_from_memory(&medium).unwrap().width(), 800, "never enlarged");
    }
}
