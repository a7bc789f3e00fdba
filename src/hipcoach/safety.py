"""The safety note every surface shows. Kept alone so that showing it imports nothing else."""

SAFETY_NOTE = (
    "hipcoach is a coaching aid, not medical care. Stop at once on sharp, pinching or "
    "worsening pain, and see a clinician about pain at night or at rest, numbness, or a "
    "hip that gives way."
)
