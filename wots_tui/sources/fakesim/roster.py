"""The fake sim's field: real-looking names, classes, iRatings and licences, drawn from a seed."""

from __future__ import annotations

import random
from dataclasses import dataclass, replace

# Names as iRacing shows them, including the ones that break naive parsers: accents (cp1252),
# apostrophes, double quotes, commas and '#'.
_FIRST = (
    "Lukas", "Mateo", "Chloé", "Jonas", "Aiden", "Søren", "Ines", "Tomás", "Mikko", "Hannah", "Rafael",
    "Noah", "Émile", "Kenji", "Priya", "Björn", "Luca", "Sofía", "Ólafur", "Marek", "Aoife", "Diego",
    "Yusuf", "Freya", "Jakub", "Elif", "Bruno", "Maja", "Callum", "Zoë", "Andrés", "Nils", "Grace",
    "Thiago", "Oskar", "Léa", "Declan", "Iker", "Ruairí", "Matteo",
)
_LAST = (
    "Müller", "O'Connor", "Fernández", "Häkkinen", "Dubois", "Novák", "D'Angelo", "Larsen", "Silva",
    "Kowalczyk", "Nakamura", "Ó Briain", "Schröder", "Peña", "Van der Berg", "Þórsson", "Rossi",
    "McAllister", "Jansen", "Lindqvist", "García", "Okafor", "Brennan", "Çelik", "Moreau", "Weiß",
    "Andersson", "Costa", "Walsh", "Horváth", "Ramírez", "Eriksen", "Byrne", "Leclair", "Nieminen",
    "Ødegaard", "Quintero", "Fitzgerald", "Kühn", "Sørensen",
)
_SPECIAL_NAMES = (
    'Jean-Luc "JL" Marchand',
    "Luis Peña, Jr.",
    "Max #3 Becker",
    "Siobhán O'Sullivan-Ní Bhriain",
)
_TEAMS = ("Apex #7 Racing", "Smith, Jones & Co", "O'Neill Motorsport", "Team \"Full Send\"", "Équipe Vitesse")


@dataclass(frozen=True, slots=True)
class ClassSpec:
    class_id: int
    short_name: str
    car_id: int
    car_name: str
    car_short: str
    car_path: str
    colour: int
    rel_speed: int
    base_lap: float  # seconds at Spa
    irating_range: tuple[int, int]
    size: int


CLASSES = (
    ClassSpec(4029, "GTP", 168, "Cadillac V-Series.R GTP", "Cadillac GTP", "cadillacvseriesrgtp", 0xFF5888, 100, 123.0, (2400, 5600), 10),
    ClassSpec(2523, "LMP2", 128, "Dallara P217", "Dallara P217", "dallarap217", 0x33CEFF, 92, 129.5, (1800, 4200), 12),
    ClassSpec(2708, "GT3", 173, "Ferrari 296 GT3", "Ferrari 296 GT3", "ferrari296gt3", 0xFFDA59, 83, 138.0, (1100, 3800), 24),
    ClassSpec(4084, "GT4", 150, "Porsche 718 Cayman GT4", "Porsche 718 GT4", "porsche718gt4", 0xAE6BFF, 75, 151.0, (700, 2600), 14),
)

PLAYER_NAME = "Sam Whitaker"
PLAYER_CUST_ID = 424242


@dataclass(frozen=True, slots=True)
class Entry:
    car_idx: int
    cust_id: int
    name: str
    car_number: str
    team_name: str
    car_class: ClassSpec
    irating: int
    lic_level: int
    lic_sub_level: int
    pace: float  # this driver's lap-time factor (1.0 = the class's base lap)
    grid_slot: int
    joins_at: float = 0.0
    leaves_at: float | None = None

    @property
    def lic_string(self) -> str:
        letter = "RDCBAP"[min((self.lic_level - 1) // 4, 5)]
        return f"{letter} {self.lic_sub_level / 100:.2f}"


def build_field(seed: int, late_joiner: bool = True) -> tuple[list[Entry], int]:
    """The field in grid order (car_idx 1..), and the player's car_idx. Car 0 is the pace car."""
    rng = random.Random(seed)
    names = _unique_names(rng, sum(c.size for c in CLASSES) + 1)
    numbers = rng.sample(range(2, 999), len(names))
    cust_ids = rng.sample(range(100_000, 1_200_000), len(names))
    entries: list[Entry] = []
    car_idx = 1
    player_idx = 0
    for spec in CLASSES:
        for i in range(spec.size):
            is_player = spec.short_name == "GT3" and i == spec.size // 2
            low, high = spec.irating_range
            irating = int(rng.triangular(low, high, (low + high) / 2))
            pace = 1 + (high - irating) / (high - low) * 0.018 + rng.uniform(-0.004, 0.004)
            lic_level = rng.choice((19, 19, 18, 15, 14, 11, 10, 7)) if irating > 1500 else rng.choice((11, 10, 7, 6, 3))
            name = PLAYER_NAME if is_player else names.pop()
            entries.append(
                Entry(
                    car_idx=car_idx,
                    cust_id=PLAYER_CUST_ID if is_player else cust_ids[car_idx],
                    name=name,
                    car_number=str(numbers[car_idx]),
                    team_name=rng.choice(_TEAMS) if rng.random() < 0.2 else name,
                    car_class=spec,
                    irating=irating,
                    lic_level=lic_level,
                    lic_sub_level=rng.randint(150, 499),
                    pace=pace,
                    grid_slot=car_idx - 1,
                )
            )
            if is_player:
                player_idx = car_idx
            car_idx += 1
    leaver = next(e for e in entries if e.car_class.short_name == "GT4" and e.car_idx != player_idx)
    entries[entries.index(leaver)] = replace(leaver, leaves_at=300.0)
    if late_joiner:
        spec = CLASSES[2]
        entries.append(
            Entry(
                car_idx=car_idx,
                cust_id=cust_ids[0],
                name=names.pop() if names else "Late Joiner",
                car_number=str(numbers[0]),
                team_name="Équipe Vitesse",
                car_class=spec,
                irating=2150,
                lic_level=15,
                lic_sub_level=288,
                pace=1.006,
                grid_slot=car_idx - 1,
                joins_at=120.0,
            )
        )
    return entries, player_idx


def _unique_names(rng: random.Random, count: int) -> list[str]:
    pairs = [f"{first} {last}" for first in _FIRST for last in _LAST]
    chosen = rng.sample(pairs, count - len(_SPECIAL_NAMES))
    chosen.extend(_SPECIAL_NAMES)
    rng.shuffle(chosen)
    return chosen
