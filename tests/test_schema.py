"""The YAML schema helper: every rejection names file, key and what is allowed."""

from __future__ import annotations

import pytest

from meetcast_core.schema import Field, ListOf, Schema, SchemaError, load_yaml, validate

S = Schema({
    "name": Field(str),
    "fps": Field(int, min=1, max=120),
    "rate_control": Field(str, choices=["CBR", "VBR"]),
    "gain": Field(float, required=False, default=0.0),
    "encoders": Field(ListOf(str, min_len=1)),
    "video": Field(Schema({"width": Field(int, min=16)})),
})
GOOD = {"name": "x", "fps": 30, "rate_control": "CBR", "encoders": ["obs_x264"],
        "video": {"width": 1280}}


def test_good_document_gets_defaults() -> None:
    assert validate(GOOD, S, "f.yaml")["gain"] == 0.0


@pytest.mark.parametrize(("patch", "message"), [
    ({"bogus": 1}, "f.yaml: bogus: unknown key (allowed: name, fps"),
    ({"fps": "30"}, "f.yaml: fps: expected an integer, got str '30'"),
    ({"fps": True}, "f.yaml: fps: expected an integer, got True"),
    ({"fps": 500}, "f.yaml: fps: 500 is out of range (allowed: 1..120)"),
    ({"rate_control": "CRF"}, "f.yaml: rate_control: 'CRF' is not allowed (allowed: CBR, VBR)"),
    ({"encoders": []}, "f.yaml: encoders: needs at least 1 item(s)"),
    ({"encoders": [3]}, "f.yaml: encoders.[0]: expected a string"),
    ({"video": {"width": 8}}, "f.yaml: video.width: 8 is out of range"),
    ({"video": {"height": 8}}, "f.yaml: video.height: unknown key (allowed: width)"),
])
def test_rejections_name_file_key_and_allowed(patch: dict, message: str) -> None:
    with pytest.raises(SchemaError) as err:
        validate({**GOOD, **patch}, S, "f.yaml")
    assert str(err.value).startswith(message)
    assert "\n" not in str(err.value)


def test_missing_required_key() -> None:
    doc = dict(GOOD)
    del doc["fps"]
    with pytest.raises(SchemaError, match=r"f.yaml: fps: missing \(required\)"):
        validate(doc, S, "f.yaml")


def test_bad_yaml_is_one_line(tmp_path) -> None:
    p = tmp_path / "bad.yaml"
    p.write_text("name: [unclosed\n")
    with pytest.raises(SchemaError, match=r"bad.yaml: line \d+: not valid YAML"):
        load_yaml(p, S)
