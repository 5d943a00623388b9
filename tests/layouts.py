"""Recording families endoveil's own demo does not make, with their ground truth.

Level 2 must hold on recorders it has never seen, so its tests judge it on layouts built
here and not in ``adapters/demo/synthetic.py``: rims darker than the centre (vignetting),
circles, octagons, rounded and cut rectangles, coloured and low-contrast TrueType text, SD,
720p and 5:4 frames, HEVC input, a banner drawn inside the image, a registration screen at
the start, an out-of-body segment and a freeze frame, the room seen inside the image (the
surround kept black), narrow-band imaging and dye (endoscopy, never blanked). Each
recording comes with the image mask, the secrets burned in, the text boxes inside the image
(which must be masked) and the frame ranges that show no endoscope image (which must be
black).
"""

from __future__ import annotations

import dataclasses
import subprocess
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont

from adapters.demo.synthetic import tissue_texture
from adapters.masking.text_tracks import union
from adapters.video.ffmpeg import ffmpeg_exe
from tests.instruments import draw_instrument

Box = tuple[int, int, int, int]
FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"  # Debian fonts-dejavu-core
NAME, BIRTH, EXAM = "Kowalczyk, Henriette", "07.11.1948", "23.02.2026 09:41"
SECRETS = (NAME, BIRTH, EXAM)
WHITE, GREEN, YELLOW, GREY = (255, 255, 255), (80, 255, 80), (255, 230, 40), (150, 150, 150)


@dataclass(frozen=True)
class Family:
    """One recorder layout: frame, image shape, text and segments."""

    name: str
    width: int
    height: int
    shape: str  # circle | octagon | rounded | cut | rect
    image: Box
    text_x: tuple[int, ...] = ()  # left edges of the text columns outside the image
    colours: tuple[tuple[int, int, int], ...] = (WHITE,)  # RGB per line, cycled
    text_px: int = 22
    vignette: float = 0.0  # brightness lost at the rim (0.7: the rim is at 30 %)
    codec: str = "libx264"
    banner: bool = False  # name, birth and exam date drawn inside the image
    menu_seconds: float = 0.0  # a registration screen first (or from ``menu_at``)
    menu_at: float = 0.0
    menu_colour: tuple[int, int, int] = (20, 60, 160)  # RGB of the registration screen
    out_of_body: tuple[float, float] | None = None  # seconds of a room shot
    still: bool = False
    seconds: float = 1.6
    zoom_from: Box | None = None  # the image's box before ``zoom_at`` seconds (a zoom, a switch)
    zoom_at: float = 0.0
    # seconds during which the image shows ``scene`` (SCENES) inside a black surround
    inside_scene: tuple[float, float] | None = None
    scene: str = "room"
    scene_fade: int = 0  # frames over which the scene cross-fades in, and again out
    lights: tuple[tuple[float, str], ...] = ()  # (from second, LIGHTS key): light switched
    late_text: tuple[int, int] | None = None  # where the birth date shows from ``zoom_at`` on
    second_view: Box | None = None  # a second, rectangular image beside the first (dual view)
    fixed_gop: bool = False  # no keyframe at scene cuts (recorders with a fixed GOP)
    black: int = 0  # grey of black: an analogue capture with NTSC setup lifts it to ~20


@dataclass(frozen=True)
class Recording:
    """A generated recording and what a masked copy of it must show."""

    path: Path
    family: Family
    fps: float
    frames: int
    image_mask: np.ndarray
    inside_text: tuple[Box, ...] = ()
    blank_ranges: tuple[tuple[int, int], ...] = field(default=())  # [start, end) frames


def shape_mask(family: Family) -> np.ndarray:
    """uint8 mask, 255 inside the endoscope image of ``family``."""
    mask = np.zeros((family.height, family.width), np.uint8)
    x, y, w, h = family.image
    if family.shape == "circle":
        cv2.circle(mask, (x + w // 2, y + h // 2), min(w, h) // 2, 255, -1)
    elif family.shape in {"octagon", "cut"}:
        cut = min(w, h) // (7 if family.shape == "octagon" else 14)
        points = [(x + cut, y), (x + w - cut, y), (x + w, y + cut), (x + w, y + h - cut),
                  (x + w - cut, y + h), (x + cut, y + h), (x, y + h - cut),
                  (x, y + cut)]  # fmt: skip
        cv2.fillPoly(mask, [np.array(points, np.int32)], 255)
    elif family.shape == "rounded":
        radius = min(w, h) // 10
        cv2.rectangle(mask, (x + radius, y), (x + w - radius - 1, y + h - 1), 255, -1)
        cv2.rectangle(mask, (x, y + radius), (x + w - 1, y + h - radius - 1), 255, -1)
        for cx, cy in (
            (x + radius, y + radius),
            (x + w - radius - 1, y + radius),
            (x + radius, y + h - radius - 1),
            (x + w - radius - 1, y + h - radius - 1),
        ):
            cv2.circle(mask, (cx, cy), radius, 255, -1)  # fmt: skip
    else:
        mask[y : y + h, x : x + w] = 255
    if family.second_view is not None:
        x, y, w, h = family.second_view
        mask[y : y + h, x : x + w] = 255
    return mask


def vignette_gain(family: Family) -> np.ndarray:
    """Per-pixel gain of the image: 1 at the centre, ``1 - vignette`` at the rim."""
    _, _, w, h = family.image
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    corner = 1.0 if family.shape == "circle" else np.sqrt(2.0)  # the rim's distance
    r = np.hypot((xx - w / 2) / (w / 2), (yy - h / 2) / (h / 2)) / corner
    gain: np.ndarray = (1.0 - family.vignette * np.clip(r, 0, 1) ** 2)[..., None]
    return gain


def _draw(frame: np.ndarray, lines: list[tuple[str, Box, tuple[int, int, int]]], px: int) -> None:
    image = Image.fromarray(frame[..., ::-1])
    draw = ImageDraw.Draw(image)
    font = ImageFont.truetype(FONT, px)
    for text, (tx, ty, _, _), colour in lines:
        draw.text((tx, ty), text, font=font, fill=colour)
    frame[:] = np.asarray(image)[..., ::-1]


def text_box(text: str, origin: tuple[int, int], px: int, margin: int = 4) -> Box:
    """The box a line of ``px``-sized TrueType text covers at ``origin``, with a margin."""
    left, top, right, bottom = (int(v) for v in ImageFont.truetype(FONT, px).getbbox(text))
    return (origin[0] + left - margin, origin[1] + top - margin,
            right - left + 2 * margin, bottom - top + 2 * margin)  # fmt: skip


def _outside_lines(family: Family) -> list[tuple[str, Box, tuple[int, int, int]]]:
    lines = []
    for column, tx in enumerate(family.text_x):
        texts = (NAME, BIRTH, EXAM, "SN 4471-220") if column == 0 else (EXAM, NAME)
        for row, text in enumerate(texts):
            origin = (tx, 30 + row * int(family.text_px * 2.2))
            colour = family.colours[(row + column) % len(family.colours)]
            lines.append((text, text_box(text, origin, family.text_px), colour))
    return lines


def _banner_lines(family: Family) -> list[tuple[str, Box, tuple[int, int, int]]]:
    x, y, w, _ = family.image
    return [(text, text_box(text, (x + 40 + i * w // 3, y + 24), family.text_px), WHITE)
            for i, text in enumerate((NAME, BIRTH, EXAM))]  # fmt: skip


def _screen(family: Family, colour: tuple[int, int, int]) -> np.ndarray:
    """A registration screen: a flat background with the patient's data mid-frame."""
    frame = np.full((family.height, family.width, 3), colour[::-1], np.uint8)
    cx, cy = family.width // 4, family.height // 3
    lines = [(f"Patient: {NAME}", (cx, cy)), (f"Geb.: {BIRTH}", (cx, cy + 50)),
             ("ID 88120457", (cx, cy + 100))]  # fmt: skip
    _draw(frame, [(t, text_box(t, o, family.text_px), WHITE) for t, o in lines], family.text_px)
    return frame


def _room(family: Family, rng: np.random.Generator, t: float) -> np.ndarray:
    """An out-of-body shot: a bright, greyish-beige, textured room filling the frame."""
    base = tissue_texture(family.height, family.width, rng)
    grey = cv2.cvtColor(cv2.cvtColor(base, cv2.COLOR_BGR2GRAY), cv2.COLOR_GRAY2BGR)
    room = cv2.addWeighted(grey, 0.8, np.full_like(grey, (150, 170, 185)), 0.6, 0)
    return np.roll(room, int(40 * t), axis=1)


def make_recording(path: Path, family: Family, fps: float = 25.0, seed: int = 0) -> Recording:
    """Write ``family`` as a short clip (``family.codec``) and return its ground truth."""
    rng = np.random.default_rng(seed)
    mask = shape_mask(family)
    drift = 32
    boxes = (family.image, family.zoom_from or family.image)
    w, h = max(b[2] for b in boxes), max(b[3] for b in boxes)  # the texture fits either
    texture = tissue_texture(h + 2 * drift, w + 2 * drift, rng)
    lit = {mode: LIGHTS[mode](h + 2 * drift, w + 2 * drift, rng) for _, mode in family.lights}
    seconds = family.inside_scene or (0.0, 0.0)
    shown_scene = (round(seconds[0] * fps), round(seconds[1] * fps))
    scene_rng = np.random.default_rng(seed + 2)
    scene = SCENES[family.scene](h + 2 * drift, w + 2 * drift, scene_rng) if seconds[1] else texture
    before = dataclasses.replace(family, image=family.zoom_from or family.image)
    shapes = [(f.image, vignette_gain(f), shape_mask(f)) for f in (before, family)]
    zoom = round(family.zoom_at * fps) if family.zoom_from else 0
    lines = _outside_lines(family) + (_banner_lines(family) if family.banner else [])
    frames = round(family.seconds * fps)
    menu = (round(family.menu_at * fps), round((family.menu_at + family.menu_seconds) * fps))
    seg = family.out_of_body or (0.0, 0.0)
    body = (round(seg[0] * fps), round(seg[1] * fps))
    room_rng = np.random.default_rng(seed + 1)
    banner = tuple(box for _, box, _ in _banner_lines(family)) if family.banner else ()
    late = [(BIRTH, text_box(BIRTH, family.late_text, family.text_px), WHITE)
            ] if family.late_text else []  # fmt: skip
    args = [ffmpeg_exe(), "-v", "error", "-y", "-f", "rawvideo", "-pix_fmt", "bgr24",
            "-s", f"{family.width}x{family.height}", "-r", str(fps), "-i", "-",
            "-c:v", family.codec, "-crf", "16", "-preset", "veryfast", "-pix_fmt", "yuv420p",
            *(["-x265-params", "log-level=error"] if family.codec == "libx265" else []),
            *(["-sc_threshold", "0", "-g", "250"] if family.fixed_gop else []),
            str(path)]  # fmt: skip
    proc = subprocess.Popen(args, stdin=subprocess.PIPE)
    assert proc.stdin is not None
    for index in range(frames):
        t = 0.0 if family.still else index / fps
        if menu[0] <= index < menu[1]:
            frame = _screen(family, family.menu_colour)
        elif body[0] <= index < body[1]:
            frame = _room(family, room_rng, t)
        else:
            (x, y, w, h), gain, shown = shapes[0 if index < zoom else 1]
            inside = shown[y : y + h, x : x + w, None] > 0
            dx = round(drift * (1 + np.sin(2 * np.pi * t / 1.3)))
            dy = round(drift * (1 + np.cos(2 * np.pi * t / 1.7)))
            light = [mode for start, mode in family.lights if index >= round(start * fps)]
            seen = lit.get(light[-1], texture) if light else texture
            if shown_scene[0] <= index < shown_scene[1]:
                steps = family.scene_fade + 1
                opacity = min(1.0, (index - shown_scene[0] + 1) / steps,
                              (shown_scene[1] - index) / steps)  # fmt: skip
                seen = cv2.addWeighted(scene, opacity, seen, 1.0 - opacity, 0.0)
            picture = seen[dy : dy + h, dx : dx + w].astype(np.float32) * gain
            picture = family.black + picture * (1 - family.black / 255)  # setup lifts it all
            frame = np.full((family.height, family.width, 3), family.black, np.uint8)
            frame[y : y + h, x : x + w] = np.where(inside, picture, family.black).astype(np.uint8)
            if family.second_view is not None:  # the same tissue, another crop of it
                sx, sy, sw, sh = family.second_view
                frame[sy : sy + sh, sx : sx + sw] = seen[drift + dx // 2 :][:sh, :sw]
            for bx, by, bw, bh in banner:  # processors darken the picture behind a banner
                frame[by : by + bh, bx : bx + bw] //= 3
            _draw(frame, lines + (late if index >= zoom else []), family.text_px)
        proc.stdin.write(frame.tobytes())
    proc.stdin.close()
    if proc.wait() != 0:
        raise RuntimeError(f"ffmpeg could not write the {family.name} recording")
    blank = tuple(sorted(r for r in (menu, body, shown_scene) if r[1] > r[0]))
    if family.zoom_from:  # the image is wherever either shape shows it
        mask = np.maximum(shapes[0][2], shapes[1][2])
    inside = banner + tuple(box for _, box, _ in late)  # text in the (old) image: to be masked
    return Recording(path, family, fps, frames, mask, inside, blank)


FAMILIES: dict[str, Family] = {f.name: f for f in (
    Family("vignette_circle", 1280, 720, "circle", (300, 20, 680, 680), (20, 1000),
           vignette=0.75),
    Family("olympus_720p", 1280, 720, "rect", (367, 0, 900, 720), (16,), text_px=18),
    Family("olympus_1280x1024", 1280, 1024, "rect", (367, 0, 900, 1024), (16,), text_px=18),
    Family("olympus_sd", 720, 576, "rect", (206, 0, 506, 576), (8,), text_px=11),
    Family("fujifilm_colour", 1280, 1024, "rounded", (300, 32, 940, 960), (10,),
           colours=(GREEN, YELLOW, GREY), text_px=20, vignette=0.5),
    Family("sd_octagon", 720, 576, "octagon", (250, 20, 450, 536), (8,), text_px=15,
           vignette=0.6),
    Family("hevc_circle", 960, 540, "circle", (280, 20, 500, 500), (10, 790),
           codec="libx265", text_px=16, vignette=0.5),
    # NTSC 720x480 captured from an analogue output with 7.5 IRE setup: black is grey ~20
    Family("ntsc_setup", 720, 480, "circle", (200, 10, 460, 460), (8,), text_px=13,
           vignette=0.5, black=20, seconds=2.0),
    Family("grey_cut_rect", 1280, 720, "cut", (400, 40, 840, 640), (16,),
           colours=(GREY, (110, 110, 110)), text_px=22),
    Family("banner_inside", 1280, 720, "rect", (160, 0, 1120, 720), (), banner=True,
           text_px=24),
    Family("menu_first", 960, 540, "circle", (300, 20, 500, 500), (16,), text_px=18,
           menu_seconds=1.0, seconds=2.4),
    Family("out_of_body", 960, 540, "octagon", (320, 20, 560, 500), (16,), text_px=18,
           out_of_body=(0.8, 1.6), seconds=2.4),
    Family("zoom", 960, 540, "circle", (280, 20, 500, 500), (16, 800), text_px=16,
           zoom_from=(380, 120, 300, 300), zoom_at=1.4, seconds=2.4, vignette=0.5),
    Family("still", 960, 540, "circle", (300, 20, 500, 500), (16,), text_px=18, still=True,
           vignette=0.4),
    # a registration screen for three frames, after the first seconds and between keyframes
    Family("menu_flash", 960, 540, "circle", (300, 20, 500, 500), (16,), text_px=18,
           menu_at=3.6, menu_seconds=0.12, seconds=4.4, fixed_gop=True),
    # the same on a forced keyframe of the output (its first check must not refuse it)
    Family("menu_on_keyframe", 960, 540, "circle", (300, 20, 500, 500), (16,), text_px=18,
           menu_at=1.44, menu_seconds=0.12, seconds=2.4, fixed_gop=True),
    # a dark registration screen (its surround is not lit) between two keyframes
    Family("dark_menu_flash", 960, 540, "circle", (300, 20, 500, 500), (16,), text_px=18,
           menu_at=1.04, menu_seconds=0.36, seconds=2.0, fixed_gop=True,
           menu_colour=(22, 22, 22)),
    # two views side by side, 8 px apart (a processor's dual view)
    Family("dual_view", 960, 540, "rect", (56, 200, 420, 320), (16,), text_px=18,
           second_view=(484, 200, 420, 320)),
)}  # fmt: skip


# What an endoscope image may show besides white-light tissue, for the scene classifier
# (``adapters.endoscope.scene``): other lights and dyes (real endoscopy, never blanked) and
# what a scope sees out of the body or a processor shows instead (to be blanked).


def _smooth(height: int, width: int, rng: np.random.Generator, cell: int) -> np.ndarray:
    coarse = rng.random((height // cell + 2, width // cell + 2)).astype(np.float32)
    return np.asarray(cv2.resize(coarse, (width, height), interpolation=cv2.INTER_CUBIC))


def _rgb(colour: tuple[int, int, int]) -> np.ndarray:
    return np.array(colour[::-1], np.float32)


def _finish(image: np.ndarray, rng: np.random.Generator, noise: float = 2.0) -> np.ndarray:
    return np.clip(image + rng.normal(0, noise, image.shape), 0, 255).astype(np.uint8)


def nbi_texture(height: int, width: int, rng: np.random.Generator) -> np.ndarray:
    """Narrow-band imaging: teal-green mucosa crossed by a brown capillary network."""
    shade = cv2.GaussianBlur(_smooth(height, width, rng, 96) + 0.4 * _smooth(
        height, width, rng, 24), (0, 0), 4)[..., None] / 1.4  # fmt: skip
    vessels = np.clip(1 - np.abs(_smooth(height, width, rng, 20) - 0.5) / 0.05, 0, 1)[..., None]
    mucosa = _rgb((80, 125, 115)) + np.clip(shade, 0, 1) * _rgb((70, 70, 60))
    return _finish(mucosa * (1 - 0.7 * vessels) + _rgb((105, 60, 35)) * 0.7 * vessels, rng, 1)


def nbi_colon_texture(height: int, width: int, rng: np.random.Generator) -> np.ndarray:
    """Narrow-band imaging of the colon: tan-brown mucosa, dark brown-green vessels."""
    shade = np.clip(_smooth(height, width, rng, 80), 0, 1)[..., None]
    vessels = np.clip(1 - np.abs(_smooth(height, width, rng, 28) - 0.5) / 0.06, 0, 1)[..., None]
    mucosa = _rgb((130, 105, 75)) + shade * _rgb((60, 50, 40))
    return _finish(mucosa * (1 - 0.6 * vessels) + _rgb((70, 60, 35)) * 0.6 * vessels, rng, 1)


def chromo_texture(height: int, width: int, rng: np.random.Generator) -> np.ndarray:
    """Chromoendoscopy: white-light tissue with indigo-carmine dye pooled in its grooves."""
    base = tissue_texture(height, width, rng).astype(np.float32)
    dye = np.clip((_smooth(height, width, rng, 40) - 0.5) * 6, 0, 1)[..., None]
    return _finish(base * (1 - 0.8 * dye) + _rgb((40, 85, 175)) * 0.8 * dye, rng, 1)


def red_out(height: int, width: int, rng: np.random.Generator) -> np.ndarray:
    """The lens against the mucosa: a uniform red field."""
    return _finish(np.full((height, width, 3), _rgb((180, 40, 30))), rng, 1.5)


def instrument_texture(height: int, width: int, rng: np.random.Generator) -> np.ndarray:
    """White-light tissue with a grey metal instrument (forceps sheath) entering."""
    image = tissue_texture(height, width, rng)
    x, y0, y1 = int(0.4 * width), int(0.52 * height), int(0.62 * height)
    tip = [(width, height // 2), (width, int(0.78 * height)), (x, y1), (x, y0)]
    cv2.fillPoly(image, [np.array(tip, np.int32)], (170, 172, 175))
    return image


def bile_texture(height: int, width: int, rng: np.random.Generator) -> np.ndarray:
    """White-light tissue partly covered by yellow-green fluid (bile, residue)."""
    base = tissue_texture(height, width, rng).astype(np.float32)
    fluid = np.clip((_smooth(height, width, rng, 80) - 0.4) * 5, 0, 1)[..., None]
    return _finish(base * (1 - fluid) + _rgb((165, 150, 45)) * fluid, rng, 1)


def room_scene(height: int, width: int, rng: np.random.Generator) -> np.ndarray:
    """Out of the body: a wall, a floor, cabinets, a window and a person in teal scrubs."""
    yy = np.linspace(0, 1, height, dtype=np.float32)[:, None, None]
    image = np.broadcast_to(_rgb((205, 198, 185)) * (1 - 0.2 * yy), (height, width, 3)).copy()
    image[int(0.7 * height) :] = _rgb((140, 132, 120))
    palette = [(90, 150, 160), (180, 180, 185), (60, 60, 65), (150, 120, 90), (230, 230, 235)]
    for _ in range(6):
        x, y = int(rng.integers(0, width)), int(rng.integers(height // 5, 4 * height // 5))
        w, h = (
            int(rng.integers(width // 10, width // 3)),
            int(rng.integers(height // 10, height // 3)),
        )
        image[y : y + h, x : x + w] = _rgb(palette[int(rng.integers(len(palette)))])
    image[height // 10 : height // 10 + height // 4, width // 8 : width // 8 + width // 5] = _rgb(
        (245, 248, 252))  # fmt: skip
    cx = int(0.6 * width)
    image[height // 2 :, cx - width // 12 : cx + width // 12] = _rgb((70, 140, 150))
    cv2.ellipse(image, (cx, height // 2 - height // 10), (width // 28, height // 12), 0, 0, 360,
                tuple(float(v) for v in _rgb((220, 175, 150))), -1)  # fmt: skip
    return _finish(cv2.GaussianBlur(image, (0, 0), 2), rng)


def face_scene(height: int, width: int, rng: np.random.Generator) -> np.ndarray:
    """A face close to the lens (the patient's, as the scope goes in), a wall behind."""
    image = np.broadcast_to(_rgb((190, 190, 180)), (height, width, 3)).copy()
    cx, cy = width // 2, height // 2
    cv2.ellipse(image, (cx, cy - height // 8), (int(width * 0.36), int(height * 0.3)), 0, 0, 360,
                tuple(float(v) for v in _rgb((60, 40, 30))), -1)  # fmt: skip
    yy, xx = np.mgrid[0:height, 0:width].astype(np.float32)
    skin = ((xx - cx) / (width * 0.3)) ** 2 + ((yy - cy) / (height * 0.4)) ** 2 < 1
    shade = (1 - 0.25 * np.clip(((xx - cx) / (width * 0.3)) ** 2, 0, 1))[..., None]
    image[skin] = (_rgb((215, 165, 140)) * shade)[skin]
    for ex in (cx - width // 9, cx + width // 9):
        cv2.ellipse(image, (ex, cy - height // 12), (width // 22, height // 40), 0, 0, 360,
                    tuple(float(v) for v in _rgb((50, 40, 35))), -1)  # fmt: skip
    cv2.ellipse(image, (cx, cy + height // 6), (width // 10, height // 40), 0, 0, 360,
                tuple(float(v) for v in _rgb((170, 90, 90))), -1)  # fmt: skip
    return _finish(cv2.GaussianBlur(image, (0, 0), 2), rng)


# A photo of a face (Grace Hopper, public domain) from Debian's python-matplotlib-data
FACE_PHOTO = "/usr/share/matplotlib/mpl-data/sample_data/grace_hopper.jpg"


def face_photo(height: int, width: int, rng: np.random.Generator) -> np.ndarray:
    """A real face filling the picture (the scope pointed at someone), with sensor noise."""
    photo = cv2.imread(FACE_PHOTO)
    if photo is None:
        raise FileNotFoundError("python-matplotlib-data is not installed (scripts/system-packages)")
    side = min(photo.shape[:2])
    square = photo[:side, (photo.shape[1] - side) // 2 :][:, :side]  # the face, hair to chin
    return _finish(cv2.resize(square, (width, height), interpolation=cv2.INTER_AREA), rng)


def white_wall(height: int, width: int, rng: np.random.Generator) -> np.ndarray:
    """A white wall lit from one side."""
    yy, xx = np.mgrid[0:height, 0:width].astype(np.float32)
    grey = 225 - 45 * xx / width - 20 * yy / height
    return _finish(np.stack([grey - 4, grey, grey + 2], axis=-1), rng)


def blue_screen(height: int, width: int, rng: np.random.Generator) -> np.ndarray:
    """A processor's or recorder's blue "no signal" screen."""
    return _finish(np.full((height, width, 3), _rgb((16, 16, 200))), rng, 1.5)


def white_screen(height: int, width: int, rng: np.random.Generator) -> np.ndarray:
    """A white screen (a white-balance card, a blank page)."""
    return _finish(np.full((height, width, 3), _rgb((235, 235, 235))), rng, 1.5)


def colour_bars(height: int, width: int, rng: np.random.Generator) -> np.ndarray:
    """75 % colour bars, the test pattern of a recorder without a signal."""
    bars = [(191, 191, 191), (191, 191, 0), (0, 191, 191), (0, 191, 0), (191, 0, 191),
            (191, 0, 0), (0, 0, 191)]  # fmt: skip
    image = np.zeros((height, width, 3), np.uint8)
    for i, colour in enumerate(bars):
        image[:, i * width // 7 : (i + 1) * width // 7] = _rgb(colour)
    return image


Texture = Callable[[int, int, np.random.Generator], np.ndarray]
LIGHTS: dict[str, Texture] = {
    "white": tissue_texture, "nbi": nbi_texture, "nbi_colon": nbi_colon_texture,
    "chromo": chromo_texture, "red_out": red_out, "instrument": instrument_texture,
    "bile": bile_texture,
}  # fmt: skip
SCENES: dict[str, Texture] = {
    "room": room_scene, "face": face_scene, "face_photo": face_photo, "white_wall": white_wall,
    "blue_screen": blue_screen, "white_screen": white_screen, "colour_bars": colour_bars,
}  # fmt: skip

FAMILIES.update({f.name: f for f in (
    # the processor keeps its surround black; the room is seen through the scope
    Family("room_in_circle", 960, 540, "circle", (300, 20, 500, 500), (16,), text_px=18,
           vignette=0.3, inside_scene=(0.6, 1.0)),
    # white light, then narrow-band imaging, then dye: all endoscopy, nothing blanked
    Family("nbi_chromo", 960, 540, "octagon", (300, 20, 560, 500), (16,), text_px=18,
           lights=((0.0, "white"), (0.5, "nbi"), (0.9, "nbi_colon"), (1.2, "chromo"))),
    # a person's face fills the image inside the black surround (skin passes as tissue)
    Family("face_in_circle", 960, 540, "circle", (300, 20, 500, 500), (16,), text_px=18,
           vignette=0.3, inside_scene=(0.6, 1.4), scene="face_photo", seconds=2.4),
    # a face the scope sweeps over: cross-faded in and out, 11 frames between two keyframes
    Family("face_swept_over", 960, 540, "circle", (300, 20, 500, 500), (16,), text_px=18,
           vignette=0.3, inside_scene=(0.52, 0.96), scene="face_photo", scene_fade=3,
           seconds=2.4),
)})  # fmt: skip

FAMILIES.update({f.name: f for f in (
    # the image shrinks (another scope, a zoom out) and the birth date shows where it was
    Family("shrink", 960, 540, "circle", (330, 70, 400, 400), (16,), text_px=18,
           zoom_from=(280, 20, 500, 500), zoom_at=0.8, late_text=(470, 488), seconds=1.6,
           vignette=0.4),
    # a recorder moves the image sideways; the birth date shows where it was
    Family("moving", 960, 540, "circle", (440, 20, 500, 500), (16,), text_px=18,
           zoom_from=(220, 20, 500, 500), zoom_at=0.8, late_text=(250, 250), seconds=1.6),
)})  # fmt: skip


def image_mask_at(recording: Recording, index: int) -> np.ndarray:
    """The endoscope image of frame ``index`` (before or after a zoom, a switch, a move)."""
    family = recording.family
    if family.zoom_from and index < round(family.zoom_at * recording.fps):
        return shape_mask(dataclasses.replace(family, image=family.zoom_from))
    return shape_mask(family)


# Text inside the image over part of the video, and tissue with sharp details but no text:
# a base recording above, re-encoded with the lines drawn over the frames they are shown on.


@dataclass(frozen=True)
class InsideLine:
    """A line drawn inside (or across the border of) the image over some seconds."""

    text: str
    origin: tuple[int, int]  # frame pixels, top-left of the text
    px: int = 22
    seconds: tuple[float, float] = (0.0, 1e9)  # shown from, until (exclusive)
    colour: tuple[int, int, int] = WHITE
    fade: int = 0  # frames over which it fades in, and again out, within ``seconds``
    opacity: float = 1.0  # at most: a faint overlay lets the tissue show through
    turn: int = 0  # degrees counter-clockwise: 90 runs up the image, 270 down
    drift: tuple[float, float] = (0.0, 0.0)  # pixels per second it moves while shown


@dataclass(frozen=True)
class InsideFamily:
    """A base family with lines drawn inside its image (or vessels and highlights, no text)."""

    name: str
    base: Family
    lines: tuple[InsideLine, ...] = ()
    details: bool = False  # sharp vessels and moving specular highlights over the tissue
    instrument: float = 0.0  # seconds: an instrument pushed in and pulled out once each


@dataclass(frozen=True)
class Shown:
    """Where and when a line is visible: its box (with a margin) and frames [start, end).

    A line that moves (``step``: pixels per frame) starts at ``box``; ``swept`` holds all of
    its way.
    """

    box: Box
    start: int
    end: int
    step: tuple[float, float] = (0.0, 0.0)

    @property
    def moves(self) -> bool:
        """Whether the line moves while shown."""
        return self.step != (0.0, 0.0)

    def at(self, index: int) -> Box:
        """The line's box on frame ``index``."""
        x, y, w, h = self.box
        k = index - self.start
        return round(x + self.step[0] * k), round(y + self.step[1] * k), w, h

    @property
    def swept(self) -> Box:
        """The smallest box holding the line on every frame it is shown."""
        return union(self.at(self.start), self.at(self.end - 1))


def vessels_and_highlights(shape: tuple[int, int], rng: np.random.Generator) -> list[np.ndarray]:
    """Dark vessel curves (on a canvas larger than the frame) and highlight paths."""
    h, w = shape
    vessels = np.ones((h + 64, w + 64), np.float32)
    for _ in range(16):
        points = [rng.uniform((0, 0), (w + 64, h + 64))]
        angle = rng.uniform(0, 2 * np.pi)
        for _ in range(30):
            angle += rng.normal(0, 0.35)
            points.append(points[-1] + 12 * np.array([np.cos(angle), np.sin(angle)]))
        cv2.polylines(vessels, [np.array(points, np.int32)], False, 0.55,
                      int(rng.integers(1, 4)), cv2.LINE_AA)  # fmt: skip
    spots = rng.uniform((0, 0, 4, 3, 0), (w, h, 20, 11, 180), (8, 5))
    return [vessels, spots]


def draw_details(frame: np.ndarray, details: list[np.ndarray], inside: np.ndarray,
                  t: float) -> None:  # fmt: skip
    vessels, spots = details
    h, w = inside.shape
    shift = int(32 + 30 * np.sin(2 * np.pi * t / 1.3)), int(32 + 30 * np.cos(2 * np.pi * t / 1.7))
    gain = vessels[shift[1] : shift[1] + h, shift[0] : shift[0] + w]
    shaded = frame * np.where(inside > 0, gain, 1.0)[..., None]
    for k, (x, y, ax, ay, angle) in enumerate(spots):
        centre = (int(x + 40 * np.sin(3 * t + k)), int(y + 30 * np.cos(2 * t + k)))
        cv2.ellipse(shaded, centre, (int(ax), int(ay)), float(angle), 0, 360, (250, 250, 250),
                    -1, cv2.LINE_AA)  # fmt: skip
    frame[:] = np.where(inside[..., None] > 0, np.clip(shaded, 0, 255), frame).astype(np.uint8)


def make_inside_recording(
    path: Path, family: InsideFamily, fps: float = 25.0, seed: int = 0
) -> tuple[Recording, tuple[Shown, ...]]:
    """Write ``family`` (its base, then the lines drawn in) and return the ground truth.

    The recording's ``inside_text`` holds every line's box (the judged area leaves them out);
    ``Shown`` says on which frames each line can be read.
    """
    base = make_recording(path.with_name(f"{path.stem}-base{path.suffix}"), family.base, fps, seed)
    f = family.base
    shown = tuple(
        Shown(_line_box(line),
              round(line.seconds[0] * fps), min(round(line.seconds[1] * fps), base.frames),
              (line.drift[0] / fps, line.drift[1] / fps))
        for line in family.lines
    )  # fmt: skip
    details = vessels_and_highlights((f.height, f.width), np.random.default_rng(seed + 7))
    args = [ffmpeg_exe(), "-v", "error", "-y", "-f", "rawvideo", "-pix_fmt", "bgr24",
            "-s", f"{f.width}x{f.height}", "-r", str(fps), "-i", "-", "-c:v", "libx264",
            "-crf", "16", "-preset", "veryfast", "-pix_fmt", "yuv420p", str(path)]  # fmt: skip
    proc = subprocess.Popen(args, stdin=subprocess.PIPE)
    assert proc.stdin is not None
    capture = cv2.VideoCapture(str(base.path))
    for index in range(base.frames):
        ok, frame = capture.read()
        if not ok:
            break
        if family.details:
            draw_details(frame, details, base.image_mask, index / fps)
        if family.instrument:
            draw_instrument(frame, base.image_mask, f.image, index / fps, family.instrument)
        visible = [(line, s) for line, s in zip(family.lines, shown, strict=True)
                   if s.start <= index < s.end]  # fmt: skip
        for line, s in visible:
            moved = dataclasses.replace(line, origin=_moved(line.origin, s, index))
            _draw_faded(frame, moved, line.opacity * _opacity(index, s, line.fade))
        proc.stdin.write(frame.tobytes())
    capture.release()
    proc.stdin.close()
    if proc.wait() != 0:
        raise RuntimeError(f"ffmpeg could not write the {family.name} recording")
    boxes = tuple(s.swept for s in shown)
    return dataclasses.replace(base, path=path, inside_text=boxes), shown


def _moved(origin: tuple[int, int], shown: Shown, index: int) -> tuple[int, int]:
    """Where a line starting at ``origin`` is drawn on frame ``index``."""
    x, y, _, _ = shown.at(index)
    return origin[0] + x - shown.box[0], origin[1] + y - shown.box[1]


def _opacity(index: int, shown: Shown, fade: int) -> float:
    """How opaque a line fading in and out over ``fade`` frames is on frame ``index``."""
    steps = fade + 1
    return min(1.0, (index - shown.start + 1) / steps, (shown.end - index) / steps)


def _draw_faded(frame: np.ndarray, line: InsideLine, opacity: float) -> None:
    drawn = frame.copy()
    if line.turn:
        _draw_turned(drawn, line)
    else:
        _draw(drawn, [(line.text, (*line.origin, 0, 0), line.colour)], line.px)
    frame[:] = cv2.addWeighted(drawn, opacity, frame, 1.0 - opacity, 0.0)


def _turned_text(line: InsideLine) -> Image.Image:
    """The line drawn alone (alpha: its strokes), turned by ``line.turn``."""
    _, _, w, h = text_box(line.text, (0, 0), line.px, margin=0)
    picture = Image.new("RGBA", (w + 8, h + 8), (0, 0, 0, 0))
    font = ImageFont.truetype(FONT, line.px)
    left, top, _, _ = font.getbbox(line.text)
    ImageDraw.Draw(picture).text(
        (4 - left, 4 - top), line.text, font=font, fill=(*line.colour, 255)
    )
    return picture.rotate(line.turn, expand=True)


def _draw_turned(frame: np.ndarray, line: InsideLine) -> None:
    image = Image.fromarray(frame[..., ::-1])
    turned = _turned_text(line)
    image.paste(turned, line.origin, turned)
    frame[:] = np.asarray(image)[..., ::-1]


def _line_box(line: InsideLine) -> Box:
    """Where ``line`` shows, with the margin of ``text_box``."""
    if not line.turn:
        return text_box(line.text, line.origin, line.px)
    w, h = _turned_text(line).size
    return line.origin[0] - 4, line.origin[1] - 4, w + 8, h + 8


_RECT_540 = Family("rect_540", 960, 540, "rect", (200, 0, 560, 540), (8,), text_px=14,
                   seconds=2.4)  # fmt: skip
_CIRCLE_540 = Family("circle_540", 960, 540, "circle", (230, 20, 500, 500), (8,), text_px=14,
                     vignette=0.4, seconds=2.0)  # fmt: skip
INSIDE_FAMILIES: dict[str, InsideFamily] = {f.name: f for f in (
    InsideFamily("banner_for_a_second", _RECT_540, (
        InsideLine(NAME, (260, 60), seconds=(1.0, 2.0)),
        InsideLine(BIRTH, (560, 60), seconds=(1.0, 2.0)))),
    InsideFamily("name_without_comma", _CIRCLE_540, (
        InsideLine("Henriette Kowalczyk", (360, 140)),
        InsideLine("KOWALCZYK HENRIETTE", (330, 400), px=18))),
    InsideFamily("straddling_the_border", _RECT_540, (
        InsideLine(NAME, (60, 250)),
        InsideLine(EXAM, (640, 420)))),
    InsideFamily("small_text_inside", _CIRCLE_540, (
        InsideLine(f"{NAME}  {BIRTH}", (330, 300), px=12, colour=YELLOW),), details=True),
    InsideFamily("vascular_no_text", _CIRCLE_540, (), details=True),
    # lines that run up and down the image, as some recorders put patient data along a side
    InsideFamily("vertical_text", _CIRCLE_540, (
        InsideLine(NAME, (330, 130), px=20, seconds=(0.5, 1.8), turn=90),
        InsideLine(BIRTH, (600, 150), px=18, seconds=(0.5, 1.8), turn=270, colour=YELLOW)),
        details=True),
    # shown for 9 frames, all between two keyframes of the output (12 frames apart)
    InsideFamily("between_keyframes", _CIRCLE_540, (
        InsideLine(NAME, (330, 200), seconds=(1.04, 1.40)),
        InsideLine(BIRTH, (400, 260), seconds=(1.04, 1.40)))),
    # the same, 20 s into an active recording (smaller, to be quick): the light switches 50
    # times, so more than 100 frames are read between keyframes (a flat ffmpeg sum of them
    # was refused: read nothing)
    InsideFamily("between_keyframes_active", Family(
        "circle_360_active", 640, 360, "circle", (150, 10, 340, 340), (8,), text_px=12,
        vignette=0.4, seconds=40.0,
        lights=tuple((0.3 + 0.8 * i, "nbi" if i % 2 else "white") for i in range(50))), (
        InsideLine(NAME, (220, 140), px=16, seconds=(20.04, 20.40)),
        InsideLine(BIRTH, (270, 190), px=16, seconds=(20.04, 20.40)))),
    # the same, 10 s into a recording where an instrument is pushed in and pulled out every
    # 2 s: its tip and edges change on every frame it moves (~5 changes a second: the watch
    # took them for text shown between keyframes, more than the 64 it reads in 14 s, and
    # refused as text_inside_image)
    InsideFamily("between_keyframes_instrument", dataclasses.replace(
        _CIRCLE_540, name="circle_540_instrument", seconds=14.0), (
        InsideLine(NAME, (300, 130), seconds=(10.04, 10.40)),
        InsideLine(BIRTH, (340, 180), seconds=(10.04, 10.40))), details=True, instrument=2.0),
    # white at a sixth of full opacity over the tissue, shown for 3 s: plain to the eye,
    # but its strokes stand out by only ~30 levels (published green, readable, before)
    InsideFamily("faint_overlay", dataclasses.replace(
        _CIRCLE_540, name="circle_540_4s", seconds=4.0), (
        InsideLine(NAME, (300, 200), px=24, seconds=(0.6, 3.6), opacity=0.16),
        InsideLine(BIRTH, (340, 250), px=24, seconds=(0.6, 3.6), opacity=0.16)), details=True),
    # a name scrolling up the image, then a birth date crawling across below it, 100 px/s
    # each: on every keyframe somewhere else (masked only where keyframes saw them, before)
    InsideFamily("moving_lines", dataclasses.replace(
        _CIRCLE_540, name="circle_540_4s", seconds=4.0), (
        InsideLine(NAME, (340, 420), seconds=(0.5, 3.5), drift=(0.0, -100.0)),
        InsideLine(BIRTH, (560, 430), px=20, seconds=(2.0, 3.5), drift=(-100.0, 0.0),
                   colour=YELLOW)), details=True),
    # a birth date crawling in from the image's rim between two keyframes and off between
    # two others, the light switched just after a keyframe: read on that keyframe and the
    # frames beside the switch, two reads a frame apart (barely a step), then nothing read
    # until it was gone. Its last box, one such step on, was left a second behind it.
    InsideFamily("moving_past_reads", dataclasses.replace(
        _CIRCLE_540, name="circle_540_switch", seconds=12.0, lights=((7.08, "nbi"),)), (
        InsideLine(BIRTH, (700, 230), px=22, seconds=(6.1, 8.0), drift=(-150.0, 0.0)),),
        details=True),
    # fading in over 4 frames and out over 4, no step, shown for 10 frames between keyframes
    InsideFamily("fade_between_keyframes", _CIRCLE_540, (
        InsideLine(NAME, (330, 200), px=20, seconds=(1.04, 1.44), fade=4),
        InsideLine(BIRTH, (420, 300), px=16, seconds=(1.04, 1.44), fade=4, colour=YELLOW))),
)}  # fmt: skip
