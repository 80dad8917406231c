//! Server-made thumbnails of the photos the server can decode (JPEG, PNG,
//! WebP; not HEIC, which has no decoder here: such photos are stored and
//! shown at full size only). Re-encoded as JPEG they carry no metadata at
//! all, turned upright as the camera's orientation tag says.

use std::{io::Cursor, sync::mpsc};

use anyhow::Context;
use bytes::Bytes;
use image::{codecs::jpeg::JpegEncoder, DynamicImage, ImageDecoder, ImageReader, Limits};
use tokio::sync::oneshot;

/// The longest side of the small (gallery) and medium (viewer on a phone) sizes.
pub const SMALL: u32 = 240;
pub const MEDIUM: u32 = 1024;

/// Whether thumbnails can be made of this type.
pub fn decodable(mime: &str) -> bool {
    matches!(mime, "image/jpeg" | "image/png" | "image/webp")
}

type Job = (Bytes, oneshot::Sender<anyhow::Result<(Vec<u8>, Vec<u8>)>>);

/// The one thread that makes thumbnails, at the lowest CPU priority.
///
/// Decoding a 12-megapixel photo costs a core for a few hundred milliseconds
/// and about 40 MB. On tokio's blocking pool, at normal priority, a burst of
/// uploads took both cores of the benchmark machine from every other request
/// (a job's details went from 9 to 56 ms at p99 while 16 connections uploaded
/// photos). Here the kernel runs other requests first, and one photo at a
/// time keeps the memory to one decode. The priority is the thread's own
/// (Linux keeps nice values per thread), so it cannot leak to a pool thread.
#[derive(Debug, Clone)]
pub struct Thumbnailer {
    jobs: mpsc::Sender<Job>,
}

impl Thumbnailer {
    pub fn start() -> anyhow::Result<Thumbnailer> {
        let (jobs, queue) = mpsc::channel::<Job>();
        std::thread::Builder::new()
            .name("thumbnails".into())
            .spawn(move || {
                lower_priority();
                // Ends when the last sender (the server's storage) is gone.
                while let Ok((bytes, reply)) = queue.recv() {
                    // A decoder's panic on a hostile file costs that photo its
                    // thumbnails, not every later photo its thread.
                    let made = std::panic::catch_unwind(|| make(&bytes))
                        .unwrap_or_else(|_| Err(anyhow::anyhow!("the image decoder panicked")));
                    // The upload may have been abandoned meanwhile: nobody to tell.
                    let _ = reply.send(made);
                }
            })
            .context("starting the thumbnail thread")?;
        Ok(Thumbnailer { jobs })
    }

    /// The small and medium thumbnails of `bytes`, made on the thumbnail thread.
    pub async fn make(&self, bytes: Bytes) -> anyhow::Result<(Vec<u8>, Vec<u8>)> {
        let (reply, answer) = oneshot::channel();
        self.jobs.send((bytes, reply)).map_err(|_| anyhow::anyhow!("the thumbnail thread has stopped"))?;
        answer.await.context("the thumbnail thread dropped a photo")?
    }
}

/// The calling thread yields the CPU to every thread of normal priority.
fn lower_priority() {
    // SAFETY: setpriority only reads its integer arguments; who = 0 with
    // PRIO_PROCESS is the calling thread on Linux.
    let failed = unsafe { libc::setpriority(libc::PRIO_PROCESS, 0, 19) } != 0;
    if failed {
        tracing::warn!(error = %std::io::Error::last_os_error(), "thumbnails run at normal priority");
    }
}

/// The small and medium JPEG thumbnails of an image. Blocking: the
/// [`Thumbnailer`]'s thread runs it.
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
