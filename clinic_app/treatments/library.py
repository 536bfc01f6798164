"""The starting exercise library: common, well-described home exercises for back and neck
pain. Clinics add their own later; this only makes a new installation useful on day one."""

from __future__ import annotations

from sqlalchemy import select

from clinic_app.extensions import db
from clinic_app.treatments.models import Exercise, ExerciseCategory

# (slug, name, category, sets, reps, hold seconds, times a day, instructions)
STARTING_LIBRARY = [
    ("knee-to-chest", "Knee-to-chest stretch", ExerciseCategory.STRETCH, 1, 3, 30, 2,
     "Lie on your back with knees bent. Draw one knee towards your chest with both hands until you feel a gentle "
     "stretch in your lower back. Hold, lower slowly, then change legs."),
    ("double-knee-to-chest", "Double knee-to-chest", ExerciseCategory.STRETCH, 1, 3, 30, 2,
     "Lie on your back and bring both knees towards your chest, holding behind the thighs. Breathe slowly."),
    ("piriformis-stretch", "Piriformis stretch", ExerciseCategory.STRETCH, 1, 3, 30, 2,
     "Lie on your back, cross one ankle over the other knee and pull the lower thigh towards you until you feel "
     "the stretch deep in the buttock."),
    ("hamstring-stretch", "Lying hamstring stretch", ExerciseCategory.STRETCH, 1, 3, 30, 2,
     "Lie on your back, loop a towel around one foot and raise the straight leg until you feel a stretch behind "
     "the thigh. Keep the other knee bent."),
    ("childs-pose", "Child's pose", ExerciseCategory.STRETCH, 1, 3, 20, 2,
     "Kneel, sit back towards your heels and reach your arms forward along the floor. Let your back relax."),
    ("pelvic-tilt", "Pelvic tilt", ExerciseCategory.CORE, 2, 10, 5, 2,
     "Lie on your back with knees bent. Tighten your stomach and flatten your lower back into the floor by "
     "tilting your pelvis. Hold, then relax."),
    ("bird-dog", "Bird dog", ExerciseCategory.CORE, 2, 8, 5, 1,
     "On hands and knees, keep your back flat and stretch one arm forward and the opposite leg back. Hold "
     "without letting your hips rotate, return, then change sides."),
    ("dead-bug", "Dead bug", ExerciseCategory.CORE, 2, 8, 0, 1,
     "Lie on your back, arms to the ceiling and knees bent at 90 degrees. Slowly lower one arm and the "
     "opposite leg towards the floor while keeping your lower back flat, then return."),
    ("abdominal-bracing", "Abdominal bracing", ExerciseCategory.CORE, 2, 10, 10, 3,
     "Sitting or lying, gently tighten your stomach muscles as if bracing for a light poke, keep breathing "
     "normally, hold and release."),
    ("side-plank-knees", "Side plank on knees", ExerciseCategory.CORE, 2, 5, 15, 1,
     "Lie on your side propped on your elbow with knees bent. Lift your hips so your body is straight from "
     "knees to head. Hold, lower, change sides."),
    ("cat-cow", "Cat-cow", ExerciseCategory.RANGE, 1, 10, 0, 2,
     "On hands and knees, slowly round your back towards the ceiling, then let it sag gently while lifting "
     "your head. Move within a comfortable range."),
    ("lumbar-rotation", "Lying lumbar rotation", ExerciseCategory.RANGE, 1, 10, 5, 2,
     "Lie on your back with knees bent together. Let both knees fall slowly to one side, hold, then to the "
     "other side. Keep your shoulders on the floor."),
    ("prone-press-up", "Prone press-up", ExerciseCategory.RANGE, 1, 10, 2, 3,
     "Lie face down with hands under your shoulders. Push your upper body up, keeping hips on the floor, "
     "and let your lower back relax. Stop if pain spreads into the leg."),
    ("chin-tuck", "Chin tuck", ExerciseCategory.RANGE, 2, 10, 5, 3,
     "Sit tall and draw your chin straight back, making a double chin, without tipping your head down. Hold "
     "and relax."),
    ("glute-bridge", "Glute bridge", ExerciseCategory.STRENGTH, 2, 10, 3, 1,
     "Lie on your back with knees bent. Squeeze your buttocks and lift your hips until your body is straight "
     "from shoulders to knees. Hold, lower slowly."),
    ("wall-squat", "Wall squat", ExerciseCategory.STRENGTH, 2, 8, 5, 1,
     "Stand with your back against a wall, feet forward. Slide down into a shallow squat, hold, and slide "
     "back up."),
    ("walking", "Brisk walking", ExerciseCategory.MOBILITY, 1, 1, 0, 1,
     "Walk at a pace that makes you slightly out of breath for 10 to 20 minutes. Build up gradually."),
    ("hip-flexor-stretch", "Kneeling hip flexor stretch", ExerciseCategory.MOBILITY, 1, 3, 30, 2,
     "Kneel on one knee with the other foot in front. Tuck your pelvis under and shift forward until you "
     "feel a stretch at the front of the hip. Change sides."),
]


# Exercises done for a time rather than in sets of reps: their usual minutes.
TIMED_MINUTES = {"walking": 20}

PICTURE_DIR = "img/exercises"


def picture_url_for(slug: str) -> str:
    """The line drawing of a library exercise, shipped in static/img/exercises/<slug>.svg. Stored as a
    site-relative URL so a clinic's own exercise can later hold any picture URL in the same column."""
    return f"/static/{PICTURE_DIR}/{slug}.svg"


def seed_exercise_library() -> int:
    """Add the exercises not there yet and give library exercises without a picture their drawing (so
    re-seeding an older database adds the pictures); a picture someone set is never replaced. Return how
    many exercises were added."""
    existing = {exercise.slug: exercise for exercise in db.session.scalars(select(Exercise))}
    added = 0
    for slug, name, category, sets, reps, hold, per_day, instructions in STARTING_LIBRARY:
        if slug in existing:
            if not existing[slug].picture_url:
                existing[slug].picture_url = picture_url_for(slug)
            continue
        db.session.add(Exercise(slug=slug, name=name, category=category, sets=sets, reps=reps, hold_seconds=hold,
                                times_per_day=per_day, minutes=TIMED_MINUTES.get(slug, 0), instructions=instructions,
                                picture_url=picture_url_for(slug)))
        added += 1
    db.session.flush()
    return added
