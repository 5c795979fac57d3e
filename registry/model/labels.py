"""The labelled corpus (data/labels/awards_<part>.csv + labels_<part>.csv): loading and checking.

Why its own module: training, evaluation and the tests read the same labelled awards, and the split
(train | heldout) is what keeps the held-out figure honest - rules, gazetteers and thresholds are tuned
on train errors only. Format: /work/coord/FORMATS.md section 3 (award text per row; labels with split,
purpose and component capability ids, note).
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pandas as pd

from registry.model.curated import CuratedDataError

AWARD_COLUMNS = ("award_key", "piid", "source", "source_url", "agency", "subtier", "recipient_name",
                 "parent_recipient_name", "psc_code", "psc_description", "naics_code", "naics_description",
                 "obligated", "first_action_date", "descriptions")
LABEL_COLUMNS = ("award_key", "split", "purpose", "component", "note")


def expected_split(award_key: str) -> str:
    """heldout for about 3 in 10 awards, fixed by the key's hash (so nobody chooses which)."""
    return "heldout" if int(hashlib.sha256(award_key.encode()).hexdigest(), 16) % 10 < 3 else "train"


def _ids(s: str) -> frozenset[str]:
    return frozenset(c.strip() for c in (s or "").split(";") if c.strip())


def load(labels_dir: Path, capability_ids: set[str]) -> pd.DataFrame:
    """Awards joined with their labels; purpose/component as sets. Clear errors name the file and row."""
    parts = sorted(p.name[len("labels_"):-len(".csv")] for p in labels_dir.glob("labels_*.csv"))
    if not parts:
        raise CuratedDataError(f"{labels_dir}: no labels_<part>.csv files")
    frames = []
    for part in parts:
        ap, lp = labels_dir / f"awards_{part}.csv", labels_dir / f"labels_{part}.csv"
        if not ap.exists():
            raise CuratedDataError(f"{lp}: no matching {ap.name}")
        aw = pd.read_csv(ap, dtype=str, keep_default_na=False)
        lb = pd.read_csv(lp, dtype=str, keep_default_na=False)
        for path, df, cols in ((ap, aw, AWARD_COLUMNS), (lp, lb, LABEL_COLUMNS)):
            missing = [c for c in cols if c not in df.columns]
            if missing:
                raise CuratedDataError(f"{path}: missing columns {missing}")
        aw = aw.drop_duplicates("award_key")
        lb = lb.drop_duplicates("award_key", keep="last")
        df = lb.merge(aw, on="award_key", how="left", indicator=True)
        orphan = df.loc[df["_merge"] == "left_only", "award_key"].tolist()
        if orphan:
            raise CuratedDataError(f"{lp}: {len(orphan)} labelled awards are not in {ap.name}, e.g. {orphan[:3]}")
        df = df.drop(columns="_merge").assign(part=part)
        for row in df.itertuples(index=False):
            bad = (_ids(row.purpose) | _ids(row.component)) - capability_ids
            if bad:
                raise CuratedDataError(f"{lp}: award {row.award_key}: unknown capability {sorted(bad)}")
            if row.split not in ("train", "heldout"):
                raise CuratedDataError(f"{lp}: award {row.award_key}: split must be train or heldout")
        frames.append(df)
    out = pd.concat(frames, ignore_index=True)
    dup = out.loc[out["award_key"].duplicated(), "award_key"].tolist()
    if dup:  # the same award labelled in two parts: keep the first part's row, say nothing silently
        out = out.drop_duplicates("award_key", keep="first").reset_index(drop=True)
    out["gold_purpose"] = out["purpose"].map(_ids)
    out["gold_component"] = out["component"].map(_ids)
    return out
