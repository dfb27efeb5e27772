"""The body map on the pain step: a front and a back figure whose regions patients tap to tick
where it hurts. The checkboxes beside it are the real form control; the figures are a
shortcut for fingers and mice, hidden from screen readers.

The figures are drawn by hand in a 300 x 656 user-unit box, of which the 248 units across
that hold the figure are shown. The pain step draws each figure 17rem (272 px) wide on a phone,
about 1.1 CSS px per unit, so any part drawn at least 44 units across
both ways is a 44 px tap target there (WCAG 2.5.5). Only the viewer's left half of a figure is
drawn; the right half is the same paths mirrored about the centre line.

Region identifiers are those stored in answers (`PAIN_REGIONS`), so old intakes still read.
"""

from __future__ import annotations

from dataclasses import dataclass

from intake.screening.vocabulary import PAIN_REGIONS

WIDTH = 300
HEIGHT = 656
# x -> WIDTH - x: draws a viewer's-left path on the viewer's right.
MIRROR = f"matrix(-1 0 0 1 {WIDTH} 0)"
# The part of the box the figure fills, with a few units to spare for the outlines.
VIEW_BOX = f"26 0 {WIDTH - 52} {HEIGHT}"

# Parts drawn on the centre line, by what they are on the figure.
WHOLE_HEAD = "M114,48 A36,44 0 1 1 186,48 A36,44 0 1 1 114,48 Z"
CROWN = "M114,48 A36,44 0 0 1 186,48 Z"
FACE = "M114,48 A36,44 0 0 0 186,48 Z"
NECK = "M127,84 L173,88 L175,114 Q180,130 204,138 L96,138 Q120,130 125,114 Z"
UPPER_TORSO = "M104,138 L196,138 Q206,170 200,220 L100,220 Q94,170 104,138 Z"
LOWER_TORSO = "M100,220 L200,220 Q197,252 202,282 L98,282 Q103,252 100,220 Z"
PELVIS = "M98,282 L202,282 Q210,312 206,340 L94,340 Q90,312 98,282 Z"

# Parts drawn on the viewer's left and mirrored; listed in drawing order (later on top).
LIMBS_LEFT: tuple[tuple[str, str], ...] = (
    ("arm", "M58,160 Q80,148 101,166 L91,268 L85,372 L41,372 L45,268 Z"),
    ("hand", "M41,370 L85,370 Q90,388 89,406 Q88,433 64,434 Q40,433 39,406 Q38,388 41,370 Z"),
    (
        "leg",
        "M94,340 L149,340 C149,380 147,410 146,452 C145,500 144,550 142,598 "
        "L106,598 C104,550 102,500 101,452 C99,410 92,380 94,340 Z",
    ),
    # A band across the leg, following its outline, rather than a ball stuck on it.
    ("knee", "M99,428 L148,428 Q151,452 147,477 L101,477 Q97,452 99,428 Z"),
    ("foot", "M105,594 L143,594 L148,622 Q151,644 130,645 L100,645 Q84,643 92,626 Z"),
    # The deltoid: over the top of the arm, from the foot of the neck to the armpit.
    ("shoulder", "M106,136 C82,132 58,138 53,166 L52,192 Q77,198 101,192 L104,160 Z"),
)


@dataclass(frozen=True)
class View:
    name: str
    caption: str
    # Which patient's side is drawn on the viewer's left: the front figure faces the viewer.
    viewer_left: str
    viewer_right: str
    # (region, path, short visible label or "") for the parts on the centre line.
    centre: tuple[tuple[str, str, str], ...]
    # Decoration that tells front from back at a glance; never a tap target.
    details: tuple[str, ...]


FRONT = View(
    name="front",
    caption="Front",
    viewer_left="right",
    viewer_right="left",
    centre=(
        ("neck", NECK, "Neck"),
        ("chest", UPPER_TORSO, "Chest"),
        ("abdomen", LOWER_TORSO, "Tummy"),
        ("pelvis_hips", PELVIS, "Hips"),
        ("head", CROWN, "Head"),
        ("face_jaw", FACE, ""),
    ),
    details=(
        # Eyes and a mouth: a calm face, neither smiling nor in pain.
        "M138,60 m-2.5,0 a2.5,2.5 0 1 0 5,0 a2.5,2.5 0 1 0 -5,0",
        "M162,60 m-2.5,0 a2.5,2.5 0 1 0 5,0 a2.5,2.5 0 1 0 -5,0",
        "M141,78 L159,78",
        # The navel.
        "M150,268 m-2,0 a2,2 0 1 0 4,0 a2,2 0 1 0 -4,0",
    ),
)

BACK = View(
    name="back",
    caption="Back",
    viewer_left="left",
    viewer_right="right",
    centre=(
        ("neck", NECK, "Neck"),
        ("upper_back", UPPER_TORSO, "Upper back"),
        ("low_back", LOWER_TORSO, "Lower back"),
        ("pelvis_hips", PELVIS, "Hips"),
        ("head", WHOLE_HEAD, "Head"),
    ),
    details=(
        # The spine and the shoulder blades.
        "M150,142 L150,200 M150,236 L150,276",
        "M118,152 q4,22 16,34 M182,152 q-4,22 -16,34",
    ),
)

VIEWS = (FRONT, BACK)

# Where the centre labels sit (x is the centre line), by the centre part's path.
LABEL_Y = {
    CROWN: 36,
    WHOLE_HEAD: 54,
    NECK: 122,
    UPPER_TORSO: 196,
    LOWER_TORSO: 248,
    PELVIS: 312,
}


def _shape(view: View, region: str, path: str, transform: str, chosen: set[str]) -> dict:
    return {
        "region": region,
        "id": f"body-map-{view.name}-{region}",
        "label": PAIN_REGIONS[region],
        "path": path,
        "transform": transform,
        "selected": region in chosen,
    }


def body_map_views(chosen: set[str]) -> list[dict]:
    """Both figures, ready to draw: each shape knows its region, whether it is ticked, and
    the id the tests and the page use to find it."""
    views = []
    for view in VIEWS:
        shapes = [_shape(view, region, path, "", chosen) for region, path, _label in view.centre]
        for part, path in LIMBS_LEFT:
            shapes.append(_shape(view, f"{view.viewer_left}_{part}", path, "", chosen))
            shapes.append(_shape(view, f"{view.viewer_right}_{part}", path, MIRROR, chosen))
        views.append(
            {
                "name": view.name,
                "caption": view.caption,
                "view_box": VIEW_BOX,
                "shapes": shapes,
                "labels": [
                    {"text": label, "x": WIDTH // 2, "y": LABEL_Y[path]}
                    for _region, path, label in view.centre
                    if label
                ],
                "sides": [
                    {"text": view.viewer_left.capitalize(), "x": 62},
                    {"text": view.viewer_right.capitalize(), "x": WIDTH - 62},
                ],
                "details": view.details,
            }
        )
    return views


# The figures drawn once per process with nothing ticked; a page then marks its ticked shapes
# in that text. Drawing the template (about 90 shapes) on every view of the pain step cost
# more than the rest of its page context.
_UNTICKED: str | None = None


def _shape_tag(shape_id: str, selected: bool) -> str:
    ticked = " is-selected" if selected else ""
    return f'<path id="{shape_id}" class="body-region{ticked}"'


def body_map_html(chosen: set[str]) -> str:
    """`templates/intake/patient/_body_map.html` drawn with the regions in `chosen` ticked."""
    global _UNTICKED
    from django.template.loader import render_to_string
    from django.utils.safestring import mark_safe

    if _UNTICKED is None:
        _UNTICKED = render_to_string(
            "intake/patient/_body_map.html", {"body_map": body_map_views(set())}
        )
    html = _UNTICKED
    for region in sorted(set(chosen) & PAIN_REGIONS.keys()):
        for view in VIEWS:
            shape_id = f"body-map-{view.name}-{region}"
            html = html.replace(_shape_tag(shape_id, False), _shape_tag(shape_id, True), 1)
    return mark_safe(html)  # noqa: S308 (the template's own output; region ids are from PAIN_REGIONS)
