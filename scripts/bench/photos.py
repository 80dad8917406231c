"""The photos of the bench's upload scenario: phone-sized JPEGs of about 3 MB
with EXIF (camera, time, a GPS position the server must remove), made once
into a directory and reused.

The pixels are encoded once (a gradient under noise, so the JPEG is as large
and as costly to decode as a 12-megapixel phone photo); each photo then gets
its own EXIF block spliced in after the JPEG's start marker, so every file
differs (its own checksum, time and position) without 100 encodes.
"""
import io
from pathlib import Path

WIDTH, HEIGHT = 4032, 3024  # a 12-megapixel phone camera, landscape
QUALITY = 72  # about 3 MB with this much noise


def exif_block(index):
    from PIL import Image

    exif = Image.Exif()
    exif[0x010F] = "FieldOps bench"  # Make
    exif[0x0110] = "Phone 12MP"  # Model
    exif[0x0112] = 1  # Orientation: upright
    exif[0x0132] = f"2026:12:06 09:{index // 60:02d}:{index % 60:02d}"  # DateTime
    gps = exif.get_ifd(0x8825)
    gps[1] = "N"
    gps[2] = (59.0, 26.0, float(index % 60))
    gps[3] = "E"
    gps[4] = (24.0, 45.0, 1.25 + index / 100)
    raw = exif.tobytes()
    # An APP1 segment: its length counts itself (2 bytes) and the payload.
    return b"\xff\xe1" + (len(raw) + 2).to_bytes(2, "big") + raw


def pixels_jpeg():
    import numpy as np
    from PIL import Image

    rng = np.random.default_rng(18)
    y, x = np.mgrid[0:HEIGHT, 0:WIDTH]
    base = np.stack([x * 255 // WIDTH, y * 255 // HEIGHT, (x + y) * 255 // (WIDTH + HEIGHT)], axis=-1)
    noisy = base.astype(np.int16) + rng.integers(-40, 40, size=(HEIGHT, WIDTH, 3), dtype=np.int16)
    out = io.BytesIO()
    Image.fromarray(noisy.clip(0, 255).astype(np.uint8)).save(out, "JPEG", quality=QUALITY)
    return out.getvalue()


def photos(directory: Path, count: int):
    """`count` photo paths in `directory`, made if missing."""
    directory.mkdir(parents=True, exist_ok=True)
    paths = [directory / f"photo-{i:03d}.jpg" for i in range(count)]
    missing = [(i, p) for i, p in enumerate(paths) if not p.exists()]
    if missing:
        print(f"generating {len(missing)} photos of {WIDTH}×{HEIGHT} into {directory} (once) ...", flush=True)
        jpeg = pixels_jpeg()
        assert jpeg[:2] == b"\xff\xd8"
        for i, path in missing:
            tmp = path.with_suffix(".tmp")
            tmp.write_bytes(jpeg[:2] + exif_block(i) + jpeg[2:])
            tmp.rename(path)
    return paths
