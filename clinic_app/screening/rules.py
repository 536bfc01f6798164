"""Screening rules: pure functions, no database, nothing read from the clock.

Red flags for serious pathology in low back pain, tiered by how fast they must be acted on:
- NICE NG59, "Low back pain and sciatica in over 16s: assessment and management" (2016,
  updated 2020), recommendation 1.1.1: exclude specific causes (cancer, infection, trauma,
  inflammatory disease such as spondyloarthritis) and refer; cauda equina syndrome is a
  medical emergency (NICE CKS "Low back pain without radiculopathy", red flags).
- Finucane LM, Downie A, Mercer C, et al. "International Framework for Red Flags for
  Potential Serious Spinal Pathologies". J Orthop Sports Phys Ther 2020;50(7):350-372 (the
  IFOMPT framework): cauda equina syndrome is an emergency (same-day emergency referral);
  suspected malignancy, infection, fracture and inflammatory disease are urgent (referral for
  investigation); single risk factors (such as age) only raise suspicion together with others.

STarT Back Screening Tool: Hill JC, Whitehurst DGT, Lewis M, et al. "Comparison of stratified
primary care management for low back pain with current best practice (STarT Back)".
Lancet 2011;378(9802):1560-71; scoring from Hill et al., Arthritis Rheum 2008;59(5):632-41.
The tool is (c) Keele University, free for clinical use (see README).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import IntEnum, StrEnum


class Tier(IntEnum):
    """How fast a finding must be acted on; a screen takes its highest finding's tier."""

    NONE = 0  # screened, nothing found
    REVIEW = 1  # a risk factor: weigh it with the rest of the assessment
    URGENT = 2  # suspected cancer, infection, fracture or inflammatory disease: refer for investigation
    EMERGENCY = 3  # suspected cauda equina syndrome: emergency care the same day

    @property
    def code(self) -> str:
        return self.name.lower()


@dataclass(frozen=True)
class RedFlag:
    label: str  # as the practitioner reads it
    question: str  # as the patient is asked it
    tier: Tier
    suspicion: str


RED_FLAGS: dict[str, RedFlag] = {
    # Emergency: cauda equina syndrome (NICE NG59; Finucane et al. 2020, table 2).
    "saddle_anaesthesia": RedFlag(
        "Saddle anaesthesia (numbness around the buttocks, genitals or inner thighs)",
        "Do you have numbness or tingling around your bottom, genitals or inner thighs?",
        Tier.EMERGENCY, "cauda equina syndrome"),
    "bladder_bowel": RedFlag(
        "New bladder or bowel dysfunction (retention, incontinence, loss of sensation)",
        "Have you had new trouble passing urine, controlling your bladder or controlling your bowels?",
        Tier.EMERGENCY, "cauda equina syndrome"),
    "bilateral_leg_symptoms": RedFlag(
        "Bilateral or progressive neurological deficit (leg weakness or numbness)",
        "Is there weakness or numbness in both legs, or is weakness in a leg getting worse?",
        Tier.EMERGENCY, "cauda equina syndrome"),
    "check_in_cauda_equina": RedFlag(
        "Reported at a daily check-in: new saddle numbness or bladder or bowel trouble",
        "(the daily check-in's question)", Tier.EMERGENCY, "cauda equina syndrome"),
    # Urgent: suspected serious pathology (NICE NG59 1.1.1; Finucane et al. 2020).
    "cancer_history": RedFlag(
        "History of cancer", "Have you ever been treated for cancer?", Tier.URGENT, "malignancy"),
    "weight_loss": RedFlag(
        "Unexplained weight loss", "Have you lost weight recently without trying to?", Tier.URGENT, "malignancy"),
    "night_pain": RedFlag(
        "Constant pain at night, not eased by rest or position",
        "Is the pain constant at night, whatever position you lie in?", Tier.URGENT, "malignancy or infection"),
    "fever": RedFlag(
        "Fever, recent infection, IV drug use or immunosuppression",
        "Have you had a fever or a recent infection, injected drugs, or do you take medicine that lowers immunity?",
        Tier.URGENT, "infection"),
    "trauma": RedFlag(
        "Significant trauma (a fall from height, a road accident), or minor trauma with osteoporosis or "
        "long-term steroids",
        "Did the pain start after a fall or an accident?", Tier.URGENT, "fracture"),
    "inflammatory": RedFlag(
        "Inflammatory back pain (onset under 45, morning stiffness over 30 minutes, eased by exercise)",
        "Is your back stiff for more than half an hour in the morning, and does moving ease it?",
        Tier.URGENT, "axial spondyloarthritis"),
    # A risk factor alone (Finucane et al. 2020: age raises suspicion of malignancy and fracture).
    "age_onset": RedFlag(
        "First episode under 20 or over 55",
        "Are you under 20 or over 55, and is this the first time you have had back pain?",
        Tier.REVIEW, "risk factor"),
}

# Asked at every daily check-in: the two cauda equina symptoms a patient notices first.
CHECK_IN_QUESTION = ("Since your last check-in, have you had new numbness around your bottom or genitals, "
                     "or new trouble controlling your bladder or bowels?")
CHECK_IN_FINDING = "check_in_cauda_equina"
# What a screen (by the patient or the practitioner) asks: every flag but the check-in's own.
SCREEN_FLAGS = {code: flag for code, flag in RED_FLAGS.items() if code != CHECK_IN_FINDING}

EMERGENCY_ADVICE = ("Call 911 now, or go to the nearest emergency department. These can be signs of cauda equina "
                    "syndrome, which needs treatment within hours. Do not wait for your next visit.")

# What the practitioner records for an emergency flag before the visit's note can be signed.
ACTIONS = {
    "emergency_department": "Referred to the emergency department the same day",
    "called_911": "Called 911 / emergency services",
    "urgent_referral": "Urgent referral to the patient's physician or a spinal surgeon",
    "assessed_not_present": "Assessed in person: the signs are not present (explain in the detail)",
}


def tier_of(findings: Iterable[str]) -> Tier:
    """The screen's tier: that of its most serious finding; NONE for a screen that found nothing.
    An unknown code is an error, never a silently lower tier."""
    return max((RED_FLAGS[code].tier for code in findings), default=Tier.NONE)


def needs_action(tier: Tier, action_recorded: bool) -> bool:
    """An emergency flag stays open, with its banners and the hold on signing notes, until the
    action taken is recorded. Urgent flags are acted on through the plan, not held."""
    return tier == Tier.EMERGENCY and not action_recorded


# ---- STarT Back ---------------------------------------------------------------------------

STARTBACK_ITEMS = 9
PSYCHOSOCIAL_ITEMS = range(4, 9)  # items 5-9 (0-based 4-8)
# Item 9 ("how bothersome") has five answers; "very much" and "extremely" score 1.
BOTHERSOME = ("Not at all", "Slightly", "Moderately", "Very much", "Extremely")
BOTHERSOME_SCORING_FROM = 3


class RiskGroup(StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"


# The matched treatment of each group in the STarT Back trial (Hill et al. 2011).
CARE_PATHWAYS = {
    RiskGroup.LOW: "Low risk: one session of advice, reassurance, pain relief and self-management; "
                   "avoid over-treatment.",
    RiskGroup.MEDIUM: "Medium risk: a course of physiotherapy for pain and function (exercise, manual therapy).",
    RiskGroup.HIGH: "High risk: psychologically informed physiotherapy, addressing fear, worry and low mood "
                    "as well as pain and function.",
}


@dataclass(frozen=True)
class StartBackResult:
    total: int  # 0-9
    psychosocial: int  # items 5-9, 0-5
    group: RiskGroup


def item_scores(answers: Sequence[int]) -> list[int]:
    """Each item's score: items 1-8 are agree (1) / disagree (0); item 9 is answered 0-4 on
    BOTHERSOME and scores 1 for "very much" or "extremely"."""
    if len(answers) != STARTBACK_ITEMS:
        raise ValueError(f"STarT Back has {STARTBACK_ITEMS} items, got {len(answers)}.")
    if any(a not in (0, 1) for a in answers[:8]) or answers[8] not in range(len(BOTHERSOME)):
        raise ValueError("Items 1-8 are answered 0 or 1, item 9 from 0 to 4.")
    return [*answers[:8], int(answers[8] >= BOTHERSOME_SCORING_FROM)]


def startback_score(answers: Sequence[int]) -> StartBackResult:
    """Total 0-9 and psychosocial subscale (items 5-9) 0-5; high risk when the subscale is 4 or
    more, otherwise low when the total is 3 or less, otherwise medium (Hill et al. 2008, 2011)."""
    scores = item_scores(answers)
    total, psychosocial = sum(scores), sum(scores[i] for i in PSYCHOSOCIAL_ITEMS)
    if psychosocial >= 4:
        group = RiskGroup.HIGH
    elif total <= 3:
        group = RiskGroup.LOW
    else:
        group = RiskGroup.MEDIUM
    return StartBackResult(total, psychosocial, group)


STARTBACK_QUESTIONS = (
    "My back pain has spread down my leg(s) at some time in the last 2 weeks",
    "I have had pain in the shoulder or neck at some time in the last 2 weeks",
    "I have only walked short distances because of my back pain",
    "In the last 2 weeks, I have dressed more slowly than usual because of back pain",
    "It's not really safe for a person with a condition like mine to be physically active",
    "Worrying thoughts have been going through my mind a lot of the time",
    "I feel that my back pain is terrible and it's never going to get any better",
    "In general I have not enjoyed all the things I used to enjoy",
    "Overall, how bothersome has your back pain been in the last 2 weeks?",
)
