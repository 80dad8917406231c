//! Removing a JPEG photo's GPS position as it streams in: phones write where
//! a photo was taken into its EXIF block, and a customer's address (or a
//! worker's home) must not travel with every picture.
//!
//! The EXIF block sits at the start of the file, inside the first 64 KiB that
//! the upload holds anyway ([`super::sniff::HEAD_BYTES`]), so it is edited in
//! place, keeping every length and offset: the GPS directory is emptied and
//! the values it pointed at are zeroed. Everything else (orientation, camera,
//! time) stays. A block too damaged to edit is zeroed whole rather than kept.
//! Other formats are stored as sent (docs/attachments.md says which).

/// Removes the GPS data of the JPEG whose first bytes are `head`. Returns
/// whether anything was removed.
pub fn strip_jpeg_gps(head: &mut [u8]) -> bool {
    if !head.starts_with(&[0xff, 0xd8]) {
        return false;
    }
    let mut pos = 2;
    while pos + 4 <= head.len() && head[pos] == 0xff {
        let marker = head[pos + 1];
        // Start of scan or end of image: the metadata segments are over.
        if marker == 0xda || marker == 0xd9 {
            break;
        }
        let length = usize::from(u16::from_be_bytes([head[pos + 2], head[pos + 3]]));
        let end = pos + 2 + length;
        if length < 2 || end > head.len() {
            break;
        }
        if marker == 0xe1 && head[pos + 4..end].starts_with(b"Exif\0\0") {
            let tiff = &mut head[pos + 10..end];
            return match strip_tiff_gps(tiff) {
                Some(removed) => removed,
                None => {
                    tiff.fill(0);
                    true
                }
            };
        }
        pos = end;
    }
    false
}

/// `None`: the block could not be read.
fn strip_tiff_gps(tiff: &mut [u8]) -> Option<bool> {
    let big = match tiff.get(..4)? {
        [b'M', b'M', 0, 42] => true,
        [b'I', b'I', 42, 0] => false,
        _ => return None,
    };
    let ifd0 = read_u32(tiff, 4, big)? as usize;
    let entries = usize::from(read_u16(tiff, ifd0, big)?);
    for index in 0..entries {
        let entry = ifd0 + 2 + index * 12;
        if read_u16(tiff, entry, big)? != 0x8825 {
            continue;
        }
        let gps = read_u32(tiff, entry + 8, big)? as usize;
        let gps_entries = usize::from(read_u16(tiff, gps, big)?);
        for gps_index in 0..gps_entries {
            let gps_entry = gps + 2 + gps_index * 12;
            let kind = read_u16(tiff, gps_entry + 2, big)?;
            let count = read_u32(tiff, gps_entry + 4, big)? as usize;
            let size = type_size(kind).checked_mul(count)?;
            if size > 4 {
                let at = read_u32(tiff, gps_entry + 8, big)? as usize;
                tiff.get_mut(at..at.checked_add(size)?)?.fill(0);
            }
        }
        tiff.get_mut(gps..gps + 2 + gps_entries * 12)?.fill(0);
        return Some(gps_entries > 0);
    }
    Some(false)
}

fn type_size(kind: u16) -> usize {
    match kind {
        1 | 2 | 6 | 7 => 1,
        3 | 8 => 2,
        4 | 9 | 11 => 4,
        5 | 10 | 12 => 8,
        _ => 1,
    }
}

fn read_u16(bytes: &[u8], at: usize, big: bool) -> Option<u16> {
    let b: [u8; 2] = bytes.get(at..at + 2)?.try_into().ok()?;
    Some(if big { u16::from_be_bytes(b) } else { u16::from_le_bytes(b) })
}

fn read_u32(bytes: &[u8], at: usize, big: bool) -> Option<u32> {
    let b: [u8; 4] = bytes.get(at..at + 4)?.try_into().ok()?;
    Some(if big { u32::from_be_bytes(b) } else { u32::from_le_bytes(b) })
}

/// A JPEG's start with an EXIF block holding a GPS latitude (big-endian), for tests.
pub fn jpeg_head_with_gps(latitude: [u32; 6]) -> Vec<u8> {
    let mut tiff = b"MM\0\x2a\0\0\0\x08".to_vec();
    // IFD0: one entry, GPSInfo at offset 26, no next IFD.
    tiff.extend_from_slice(&[0, 1, 0x88, 0x25, 0, 4, 0, 0, 0, 1, 0, 0, 0, 26, 0, 0, 0, 0]);
    // GPS IFD: GPSLatitude, 3 rationals at offset 44.
    tiff.extend_from_slice(&[0, 1, 0, 2, 0, 5, 0, 0, 0, 3, 0, 0, 0, 44, 0, 0, 0, 0]);
    for value in latitude {
        tiff.extend_from_slice(&value.to_be_bytes());
    }
    let mut head = vec![0xff, 0xd8, 0xff, 0xe1];
    head.extend_from_slice(&u16::try_from(tiff.len() + 8).unwrap_or(0).to_be_bytes());
    head.extend_from_slice(b"Exif\0\0");
    head.extend_from_slice(&tiff);
    head
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_gps_position_is_zeroed_and_the_rest_kept() {
        let latitude = [0x3b9a_ca07, 1, 0x1234_5678, 1, 0x0765_4321, 100];
        let mut head = jpeg_head_with_gps(latitude);
        let before = head.clone();
        assert!(strip_jpeg_gps(&mut head));
        assert_eq!(head.len(), before.len());
        let needle = 0x1234_5678u32.to_be_bytes();
        assert!(before.windows(4).any(|w| w == needle));
        assert!(!head.windows(4).any(|w| w == needle));
        // IFD0 and its pointer stay: only the GPS directory is empty.
        assert_eq!(head[..38], before[..38]);
        assert!(!strip_jpeg_gps(&mut head));
    }

    #[test]
    fn a_damaged_block_is_zeroed_whole() {
        let mut head = jpeg_head_with_gps([7; 6]);
        head[12] = b'X';
        assert!(strip_jpeg_gps(&mut head));
        assert!(head[12..].iter().all(|b| *b == 0));
    }
}
