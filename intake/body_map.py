"""The body map on the pain step: the shapes patients click to tick where it hurts."""

from __future__ import annotations

from intake.screening.vocabulary import PAIN_REGIONS

# The body map: (region, shape, geometry). Front figure on the left (the patient's right
# side is on the viewer's left), back figure on the right. Regions may have several shapes.
R, E = "rect", "ellipse"
BODY_MAP: tuple[tuple[str, str, tuple[int, ...]], ...] = (
    # Front
    ("head", E, (80, 24, 20, 22)),
    ("face_jaw", E, (80, 38, 13, 8)),
    ("neck", R, (70, 48, 20, 14)),
    ("right_shoulder", E, (50, 70, 15, 10)),
    ("left_shoulder", E, (110, 70, 15, 10)),
    ("chest", R, (58, 64, 44, 42)),
    ("abdomen", R, (58, 106, 44, 40)),
    ("pelvis_hips", R, (56, 146, 48, 28)),
    ("right_arm", R, (30, 80, 16, 88)),
    ("left_arm", R, (114, 80, 16, 88)),
    ("right_hand", E, (38, 182, 9, 13)),
    ("left_hand", E, (122, 182, 9, 13)),
    ("right_leg", R, (58, 176, 21, 68)),
    ("left_leg", R, (81, 176, 21, 68)),
    ("right_leg", R, (60, 266, 17, 52)),
    ("left_leg", R, (83, 266, 17, 52)),
    ("right_knee", E, (68, 255, 11, 10)),
    ("left_knee", E, (92, 255, 11, 10)),
    ("right_foot", E, (66, 330, 12, 8)),
    ("left_foot", E, (94, 330, 12, 8)),
    # Back
    ("head", E, (260, 24, 20, 22)),
    ("neck", R, (250, 48, 20, 14)),
    ("left_shoulder", E, (230, 70, 15, 10)),
    ("right_shoulder", E, (290, 70, 15, 10)),
    ("upper_back", R, (238, 64, 44, 46)),
    ("low_back", R, (238, 110, 44, 36)),
    ("pelvis_hips", R, (236, 146, 48, 28)),
    ("left_arm", R, (210, 80, 16, 88)),
    ("right_arm", R, (294, 80, 16, 88)),
    ("left_hand", E, (218, 182, 9, 13)),
    ("right_hand", E, (302, 182, 9, 13)),
    ("left_leg", R, (238, 176, 21, 68)),
    ("right_leg", R, (261, 176, 21, 68)),
    ("left_leg", R, (240, 266, 17, 52)),
    ("right_leg", R, (263, 266, 17, 52)),
    ("left_knee", E, (248, 255, 11, 10)),
    ("right_knee", E, (272, 255, 11, 10)),
    ("left_foot", E, (246, 330, 12, 8)),
    ("right_foot", E, (274, 330, 12, 8)),
)


def body_map_shapes(chosen: set[str]) -> list[dict]:
    return [
        {
            "region": region,
            "label": PAIN_REGIONS[region],
            "kind": kind,
            "geometry": geometry,
            "selected": region in chosen,
        }
        for region, kind, geometry in BODY_MAP
    ]
