"""``refuse_overlap`` (issue #24): the cases the CLI tests do not reach on their own."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from forecast.errors import UsageError
from forecast.io.paths import refuse_overlap


def _file(path: Path, text: str = "x") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_stdin_and_missing_options_are_skipped(tmp_path: Path) -> None:
    refuse_overlap({"DATA": "-", "--config": None}, {"--output": tmp_path / "-", "--save": None})


def test_a_new_name_beside_an_input_is_fine(tmp_path: Path) -> None:
    data = _file(tmp_path / "data.csv")
    refuse_overlap({"DATA": data}, {"--output": tmp_path / "out", "--save": tmp_path / "m.fcm"})


def test_dot_dot_and_a_linked_folder_name_the_same_file(tmp_path: Path) -> None:
    data = _file(tmp_path / "in" / "data.csv")
    (tmp_path / "alias").symlink_to(tmp_path / "in")
    for spelt in (tmp_path / "in" / ".." / "in" / "data.csv", tmp_path / "alias" / "data.csv"):
        with pytest.raises(UsageError, match="is the input DATA"):
            refuse_overlap({"DATA": data}, {"--output": spelt})


def test_a_part_linked_from_elsewhere_is_protected(tmp_path: Path) -> None:
    """The Parquet directory's part is a symbolic link to a file outside it: that file is read
    too, so writing it is refused."""
    outside = _file(tmp_path / "store" / "a.parquet")
    parts = tmp_path / "parts"
    parts.mkdir()
    (parts / "part-0.parquet").symlink_to(outside)
    with pytest.raises(UsageError, match=r"is the input DATA \(.*parts\)"):
        refuse_overlap({"DATA": parts}, {"--output": outside})
    hard = tmp_path / "elsewhere.parquet"
    os.link(outside, hard)
    with pytest.raises(UsageError, match="is the input DATA"):
        refuse_overlap({"DATA": parts}, {"--output": hard})


def test_an_output_inside_a_missing_folder_of_an_input_directory(tmp_path: Path) -> None:
    parts = tmp_path / "parts"
    parts.mkdir()
    with pytest.raises(UsageError, match="is inside the input DATA"):
        refuse_overlap({"DATA": parts}, {"--output": parts / "new" / "deeper" / "out.csv"})


def test_may_replace_allows_only_the_named_pair(tmp_path: Path) -> None:
    model = _file(tmp_path / "m.fcm")
    pair = ("--save", "MODEL_FILE")
    refuse_overlap({"MODEL_FILE": model}, {"--save": model}, may_replace=pair)
    with pytest.raises(UsageError, match=r"--output .* is the input MODEL_FILE"):
        refuse_overlap({"MODEL_FILE": model}, {"--output": model}, may_replace=pair)
    data = _file(tmp_path / "new.csv")
    with pytest.raises(UsageError, match=r"--save .* is the input --data"):
        refuse_overlap({"MODEL_FILE": model, "--data": data}, {"--save": data}, may_replace=pair)


def test_outputs_may_not_overlap_each_other(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match=r"--plot .*a\.png is --save .*a\.png; write them to sep"):
        refuse_overlap({}, {"--save": tmp_path / "a.png", "--plot": tmp_path / "a.png"})
    with pytest.raises(UsageError, match=r"--save .* is inside --output"):
        refuse_overlap({}, {"--output": tmp_path / "out", "--save": tmp_path / "out" / "m.fcm"})


def test_control_characters_in_a_name_are_escaped(tmp_path: Path) -> None:
    data = _file(tmp_path / "d\x1b[31m.csv")
    with pytest.raises(UsageError) as caught:
        refuse_overlap({"DATA": data}, {"--output": data})
    assert "\x1b" not in caught.value.message and "\\x1b" in caught.value.message
