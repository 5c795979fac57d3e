"""`registry model train` on labels that cannot support a fit says so in one line and writes no model.

Found by trying it: one labelled part alone (the DOJ/USSS awards) leaves three candidate pairs, all positive, and
the command died in a scikit-learn traceback about "multiclass classification", which says nothing true."""

from __future__ import annotations

import shutil

from tests.conftest import ROOT, invoke_cli


def test_one_part_whose_pairs_are_all_positive_is_a_one_line_error_and_no_model(tmp_path):
    labels = tmp_path / "labels"
    labels.mkdir()
    for name in ("awards_doj_usss.csv", "labels_doj_usss.csv"):
        shutil.copy(ROOT / "data" / "labels" / name, labels / name)
    out = tmp_path / "model"
    r = invoke_cli("model", "train", "--labels", str(labels), "--out", str(out))
    assert r.returncode == 2, r.stdout + r.stderr
    error = [line for line in r.stderr.splitlines() if line.startswith("error:")]
    assert len(error) == 1 and "all positive" in error[0] and "doj_usss" in error[0], r.stderr
    assert "Traceback" not in r.stderr + r.stdout
    assert not out.exists()  # nothing half-written where a build would read it
