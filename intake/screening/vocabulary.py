"""The fixed vocabulary shared by the intake forms, the JSON export and the screening engine.

Keys are stable identifiers (they appear in exported JSON and stored answers); the text is
what a patient reads. Changing a key is a data migration, changing a label is not.
"""

from __future__ import annotations

# Red-flag questions (docs/screening.md#input), in plain language: asked of every patient,
# but for the one about a pregnancy (asks_about_pregnancy_red_flag below).
RED_FLAGS: dict[str, str] = {
    "saddle_numbness": (
        "Numbness or a strange feeling around your bottom, genitals or inner thighs"
    ),
    "bladder_change": (
        "New trouble passing urine, or not being able to control or feel your bladder"
    ),
    "bowel_incontinence": "New loss of control of your bowels",
    "leg_weakness": (
        "Weakness in your legs that is getting worse, pain down both legs, or a foot that drags"
    ),
    "unexplained_weight_loss": "Losing weight without trying",
    "fever_or_infection": (
        "Fever, chills or night sweats, or an infection you are being treated for"
    ),
    "significant_trauma": (
        "A recent fall, accident or injury, or a minor strain if you have thin bones (osteoporosis)"
    ),
    "night_pain": "Severe pain at night that does not ease when you change position",
    "thunderclap_headache": "A sudden, very severe headache that reached its worst within a minute",
    "new_neuro_symptoms": "New weakness, numbness, trouble speaking, loss of vision or confusion",
    "chest_pain_breathless": "Chest pain, breathlessness or a racing heart while resting",
    "calf_pain_swelling": "Pain and swelling in one calf",
    "hot_swollen_joint": "A hot, swollen, red joint together with a fever",
    "self_harm_thoughts": "Thoughts of harming yourself or ending your life",
    "pregnancy_bleeding": "If pregnant: bleeding, severe tummy pain, or the baby moving less",
}

# Past experiences with needles and acupuncture.
HISTORY: dict[str, str] = {
    "fainted_with_needles": "I have fainted or felt faint with needles, injections or blood tests",
    "needle_phobia": "I am very afraid of needles",
    "first_acupuncture": "This will be my first acupuncture treatment",
}

# Allergies a patient can tick; anything else is typed (and read by the engine as text).
ALLERGIES: dict[str, str] = {
    "nickel": "Metals, such as nickel (for example in jewellery or watch straps)",
    "latex": "Latex (rubber gloves, balloons)",
    "adhesive": "Adhesives, plasters or medical tape",
}

# Checkbox conditions on the "Health conditions" step. The value is the phrase written into
# the exported `conditions` list; the screening engine recognises each phrase.
CONDITIONS: dict[str, str] = {
    "bleeding_disorder": "bleeding disorder",
    "pacemaker_icd": "pacemaker or ICD",
    "implanted_electrical_device": "other implanted electrical device (stimulator or pump)",
    "epilepsy": "epilepsy or seizures",
    "diabetes": "diabetes",
    "cancer_current": "cancer (current)",
    "cancer_past": "cancer (in the past)",
    "lymphoedema": "lymphoedema or lymph nodes removed",
    "breast_or_other_implant": "breast implant or other implant",
    "heart_valve": "heart valve disease or replacement valve",
    "immunosuppression": "weakened immune system (immunosuppression)",
    "skin_condition": "skin condition or broken skin",
    "blood_borne_infection": "blood-borne infection (hepatitis B or C, HIV)",
}

# Limbs a patient can name for lymphoedema or removed lymph nodes.
LIMBS: dict[str, str] = {
    "left_arm": "left arm",
    "right_arm": "right arm",
    "left_leg": "left leg",
    "right_leg": "right leg",
}

# Body-map regions (front and back). Keys appear in `pain.regions`.
PAIN_REGIONS: dict[str, str] = {
    "head": "Head",
    "face_jaw": "Face or jaw",
    "neck": "Neck",
    "left_shoulder": "Left shoulder",
    "right_shoulder": "Right shoulder",
    "chest": "Chest",
    "upper_back": "Upper or middle back",
    "abdomen": "Abdomen (tummy)",
    "low_back": "Lower back",
    "pelvis_hips": "Pelvis or hips",
    "left_arm": "Left arm",
    "right_arm": "Right arm",
    "left_hand": "Left hand or wrist",
    "right_hand": "Right hand or wrist",
    "left_leg": "Left leg",
    "right_leg": "Right leg",
    "left_knee": "Left knee",
    "right_knee": "Right knee",
    "left_foot": "Left foot or ankle",
    "right_foot": "Right foot or ankle",
}

PREGNANCY: dict[str, str] = {
    "no": "No",
    "yes": "Yes",
    "possible": "Possibly / not sure",
    "trying": "Trying to become pregnant",
    "not_applicable": "Not applicable to me",
}

SEX_AT_BIRTH: dict[str, str] = {
    "female": "Female",
    "male": "Male",
    "intersex": "Intersex",
    "prefer_not_to_say": "Prefer not to say",
}


def asks_about_pregnancy(sex_at_birth: str | None) -> bool:
    """Whether the pregnancy questions are asked: of everyone but those male at birth."""
    return sex_at_birth != "male"


# The pregnancy answers under which the patient is, or may be, pregnant.
PREGNANT_STATES = frozenset({"yes", "possible", "trying"})
# The red-flag question that is about a pregnancy.
PREGNANCY_RED_FLAG = "pregnancy_bleeding"


def asks_about_pregnancy_red_flag(pregnancy: str | None) -> bool:
    """Whether the red-flag question about bleeding in pregnancy is asked: only of a patient
    who is, or may be, pregnant (a "no" or "not applicable" makes it a question about
    nothing)."""
    return pregnancy in PREGNANT_STATES


# What a patient can report on a check-in about how they were after the last treatment.
# Each one reported is kept as an adverse event (intake.models.AdverseEvent).
REACTIONS: dict[str, str] = {
    "bruising": "Bruising where a needle went in",
    "faint": "Feeling faint, dizzy or sick during or after the treatment",
    "more_pain": "More pain than before, lasting more than a day",
    "infection": "Signs of infection at a needle site: redness spreading, heat, swelling or pus",
}

# When the reaction began, counted from the treatment.
REACTION_TIMING: dict[str, str] = {
    "during": "During the treatment",
    "same_day": "Later the same day",
    "days_after": "A day or more after",
}

# A check-in's answer about pregnancy: the first answer means nothing has changed.
PREGNANCY_UNCHANGED = "unchanged"
