"""The audio-chain core without OBS: shipped chains validate, bad chains are one clear line,
and the planner keeps meetcast's filters in place and in order and the user's untouched."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from meetcast_core import audio_chain as ac
from meetcast_core import leveller, names
from meetcast_core.names import FILTER_PREFIX
from meetcast_core.schema import SchemaError

ROOT = Path(__file__).resolve().parents[1]
CHAINS = ROOT / "profiles" / "audio"
VARIANTS = ROOT / "bench" / "audio_variants"  # the alternatives the benchmark compares


# -- the shipped chains ---------------------------------------------------------------------
@pytest.mark.parametrize("path", sorted([*CHAINS.glob("*.yaml"), *VARIANTS.glob("*.yaml")]),
                         ids=lambda p: p.stem)
def test_every_shipped_chain_validates(path: Path) -> None:
    chain = ac.load(path)
    assert chain.name == path.stem
    assert chain.steps[-1].kind == ac.LIMITER
    assert chain.steps[-1].settings["threshold"] <= -1.0


def test_voice_and_zoom_are_shipped() -> None:
    assert {"voice", "zoom"} <= set(ac.available(CHAINS))
    voice = ac.load_named("voice", CHAINS)
    assert voice.target == "microphone"
    assert voice.steps[0].kind == ac.NOISE_SUPPRESS
    assert ac.load_named("zoom", CHAINS).target == "desktop"


def test_method_preference_nvidia_then_rnnoise_then_speex() -> None:
    voice = ac.load_named("voice", CHAINS)
    ns = voice.steps[0]
    assert ns.methods == ("denoiser", "rnnoise", "speex")
    on_linux = ac.resolve(voice, ("rnnoise", "speex"))[0]
    assert on_linux.settings == {"method": "rnnoise"}  # no Speex level left on RNNoise
    on_rtx = ac.resolve(voice, ("rnnoise", "speex", "denoiser"))[0]
    assert on_rtx.settings["method"] == "denoiser"
    assert ac.pick_method(("denoiser", "rnnoise"), ()) == "speex"  # the last fallback
    speex = ac.resolve(voice, ("speex",))[0]
    assert speex.settings["method"] == "speex" and "suppress_level" in speex.settings


def _chain(steps: list[dict]) -> dict:
    return {"name": "t", "steps": steps}


LIMIT = {"name": "Limiter", "kind": "limiter_filter", "settings": {"threshold": -1.0}}


@pytest.mark.parametrize(("doc", "needle"), [
    (_chain([{"name": "X", "kind": "reverb_filter"}, LIMIT]), "steps.[0].kind"),
    (_chain([{"name": "C", "kind": "compressor_filter", "settings": {"ratio": 99}}, LIMIT]),
     "ratio: 99 is out of range"),
    (_chain([{"name": "C", "kind": "compressor_filter", "settings": {"knee": 1}}, LIMIT]),
     "knee: unknown key"),
    (_chain([{"name": "G", "kind": "gain_filter"}]), "last step must be a limiter_filter"),
    (_chain([{"name": "L", "kind": "limiter_filter", "settings": {"threshold": -0.5}}]),
     "at or below -1.0 dBFS"),
    (_chain([{"name": "meetcast: G", "kind": "gain_filter"}, LIMIT]), "without the"),
    (_chain([LIMIT, LIMIT]), "used twice"),
    (_chain([{"name": "G", "kind": "gain_filter", "methods": ["rnnoise"]}, LIMIT]),
     "only for noise_suppress_filter_v2"),
    ({"name": "t"}, "steps: missing"),
    (_chain([{"name": "Leveller", "kind": "compressor_filter", "leveller": {}}, LIMIT]),
     "steps.[0].leveller: only on a gain_filter step named 'Leveller'"),
    (_chain([{"name": "Gain", "kind": "gain_filter", "leveller": {}}, LIMIT]),
     "named 'Leveller'"),
    (_chain([{"name": "Leveller", "kind": "gain_filter", "settings": {"db": 3},
              "leveller": {}}, LIMIT]), "settings.db: the leveller sets the gain"),
    (_chain([{"name": "Leveller", "kind": "gain_filter",
              "leveller": {"target_dbfs": 0}}, LIMIT]), "target_dbfs: 0 is out of range"),
    (_chain([{"name": "Leveller", "kind": "gain_filter",
              "leveller": {"attack": 1}}, LIMIT]), "attack: unknown key"),
    (_chain([{"name": "Leveller", "kind": "gain_filter",
              "leveller": {"min_gain_db": 10, "max_gain_db": 0}}, LIMIT]),
     "min_gain_db 10 is above max_gain_db 0"),
])
def test_bad_chain_is_one_line_naming_the_key(doc: dict, needle: str) -> None:
    with pytest.raises(SchemaError) as err:
        ac.parse(doc, "bad.yaml")
    msg = str(err.value)
    assert msg.startswith("bad.yaml: ") and needle in msg and "\n" not in msg


def test_file_errors(tmp_path: Path) -> None:
    broken = tmp_path / "voice.yaml"
    broken.write_text("name: [unclosed\n")
    with pytest.raises(SchemaError, match="not valid YAML"):
        ac.load(broken)
    other = tmp_path / "other.yaml"
    other.write_text(yaml.safe_dump(_chain([LIMIT]) | {"name": "voice"}))
    with pytest.raises(SchemaError, match="must match the file name"):
        ac.load(other)
    with pytest.raises(SchemaError, match="no such audio chain"):
        ac.load_named("nope", tmp_path)


# -- the planner ----------------------------------------------------------------------------
def spec(step: str, kind: str = "gain_filter", **settings: float) -> ac.FilterSpec:
    return ac.FilterSpec(FILTER_PREFIX + step, kind, settings)


CHAIN = [spec("NS", "noise_suppress_filter_v2", method="rnnoise"),
         spec("Level", "compressor_filter", ratio=20, threshold=-45),
         spec("Limiter", "limiter_filter", threshold=-1)]
USER_EQ = ("My EQ", "basic_eq_filter", {"low": 2.0})
USER_GATE = ("My Gate", "noise_gate_filter", {})


def names_of(filters: list[ac.Existing]) -> list[str]:
    return [f[0] for f in filters]


def converge(existing: list[ac.Existing], desired: list[ac.FilterSpec]) -> list[ac.Existing]:
    """Plan, apply, and check that planning again has nothing left to do."""
    after = ac.apply(existing, ac.plan(existing, desired))
    assert ac.plan(after, desired) == [], "planning twice must be idempotent"
    return after


def test_first_apply_appends_chain_after_users_filters() -> None:
    after = converge([USER_EQ, USER_GATE], CHAIN)
    assert names_of(after) == ["My EQ", "My Gate", *[d.name for d in CHAIN]]
    assert after[0] == USER_EQ and after[1] == USER_GATE  # untouched, settings too
    assert after[3][2] == {"ratio": 20, "threshold": -45}


def test_empty_source_gets_the_chain_in_order() -> None:
    ops = ac.plan([], CHAIN)
    assert [op.action for op in ops] == ["create"] * 3
    assert names_of(ac.apply([], ops)) == [d.name for d in CHAIN]


def test_reapply_updates_in_place_without_duplicates() -> None:
    first = converge([USER_EQ], CHAIN)
    # the user moved their EQ between meetcast's filters and touched the compressor
    moved = [first[1], USER_EQ, *first[2:]]
    moved[2] = (moved[2][0], moved[2][1], {"ratio": 4, "threshold": -45, "attack_time": 9})
    changed = [*CHAIN[:1], spec("Level", "compressor_filter", ratio=10, threshold=-40),
               CHAIN[2]]
    ops = ac.plan(moved, changed)
    assert [op.action for op in ops] == ["update"]
    after = converge(moved, changed)
    assert names_of(after) == names_of(moved)  # the EQ kept its place between them
    assert after[2][2] == {"ratio": 10, "threshold": -40, "attack_time": 9}
    assert len(after) == len(set(names_of(after)))


def test_new_step_goes_after_the_last_meetcast_filter() -> None:
    first = converge([USER_EQ], CHAIN[:2])
    after = converge([*first, USER_GATE], CHAIN)
    assert names_of(after) == ["My EQ", CHAIN[0].name, CHAIN[1].name, CHAIN[2].name, "My Gate"]


def test_order_is_restored_when_meetcast_filters_are_shuffled() -> None:
    shuffled = [(d.name, d.kind, dict(d.settings)) for d in reversed(CHAIN)]
    after = converge([USER_EQ, *shuffled], CHAIN)
    assert names_of(after) == ["My EQ", *[d.name for d in CHAIN]]


def test_duplicates_and_wrong_kinds_are_replaced() -> None:
    limiter = (CHAIN[2].name, "limiter_filter", {"threshold": -1})
    wrong = (CHAIN[1].name, "gain_filter", {"db": 3.0})
    after = converge([USER_EQ, limiter, limiter, wrong], CHAIN)
    assert names_of(after).count(CHAIN[2].name) == 1
    assert (CHAIN[1].name, "compressor_filter", {"ratio": 20, "threshold": -45}) in after
    assert after[0] == USER_EQ


def test_remove_takes_only_meetcasts_audio_filters() -> None:
    video = (FILTER_PREFIX + "Crop", "crop_filter", {})  # another feature's, same prefix
    first = converge([USER_EQ, video], CHAIN)
    with_user_after = [*first, USER_GATE]
    ops = ac.plan(with_user_after, [])
    assert {op.action for op in ops} == {"remove"}
    after = converge(with_user_after, [])
    assert after == [USER_EQ, video, USER_GATE]


def test_switching_chains_replaces_only_meetcasts() -> None:
    voice = converge([USER_EQ], CHAIN)
    zoom = [spec("Leveller", "compressor_filter", ratio=8), CHAIN[2]]
    after = converge(voice, zoom)
    assert names_of(after) == ["My EQ", zoom[0].name, CHAIN[2].name]


def test_users_filter_with_a_meetcast_like_name_but_other_kind_stays() -> None:
    users = ("meetcast fan filter", "gain_filter", {"db": 1.0})  # no "meetcast: " prefix
    after = converge([users], CHAIN)
    assert after[0] == users


def test_apply_checks_remove_index() -> None:
    with pytest.raises(ValueError, match="holds"):
        ac.apply([USER_EQ], [ac.Op("remove", "other", index=0)])


def test_describe_is_readable() -> None:
    lines = ac.describe(ac.plan([], CHAIN[:1]))
    assert lines == [f"add {CHAIN[0].name} (noise_suppress_filter_v2)"]


def test_leveller_settings_travel_on_the_gain_filter_and_never_fight_the_script() -> None:
    """The driven step carries its settings to OBS; re-applying never resets the gain the
    script has set (the planner does not own ``db``)."""
    voice = ac.resolve(ac.load_named("voice"))
    lev = next(f for f in voice if f.name == FILTER_PREFIX + names.LEVELLER_STEP)
    assert lev.kind == ac.GAIN and "db" not in lev.settings
    params = lev.settings[names.LEVELLER_SETTINGS_KEY]
    assert leveller.settings_from(params).new_speaker_s == params["new_speaker_s"]
    after = ac.apply([], ac.plan([], voice))
    driven = [(n, k, {**s, "db": 17.3} if n == lev.name else s) for n, k, s in after]
    assert ac.plan(driven, voice) == []


def test_leveller_schema_knows_every_leveller_setting() -> None:
    # all but the ceiling, which is the chain's limiter threshold (never set twice)
    schema = set(ac.LEVELLER.fields)
    assert schema <= set(leveller.SETTING_NAMES)
    assert schema | {"ceiling_dbfs", "ceiling_margin_db"} == set(leveller.SETTING_NAMES)
    voice = ac.load_named("voice")
    lev = next(f for f in ac.resolve(voice) if f.kind == ac.GAIN)
    assert lev.settings[names.LEVELLER_SETTINGS_KEY]["ceiling_dbfs"] == voice.steps[-1].settings[
        "threshold"]


# -- the NVIDIA denoiser on each OBS version ------------------------------------------------
# Ids and keys as each version's source has them: noise-suppress-filter.c (28.0-30.2.3: method
# "denoiser", "intensity"), nvidia-audiofx-filter.c (31.0.0-32.2.2: id "nvidia_audiofx_filter",
# method "denoiser", "intensity"; 32 adds "vad", left at OBS's default). No GPU here.
NS_V2 = "noise_suppress_filter_v2"
NVAFX = "nvidia_audiofx_filter"


@pytest.mark.parametrize(("offer", "kind", "settings"), [
    # 28-30: the denoiser is a method of Noise Suppression, where OBS lists it enabled
    (ac.Offer((29, 0), ("speex", "rnnoise", "denoiser")), NS_V2, {"method": "denoiser"}),
    (ac.Offer((30, 2), ("speex", "rnnoise", "denoiser")), NS_V2, {"method": "denoiser"}),
    # listed disabled (SDK found, not loaded): the glue leaves it out; RNNoise then
    (ac.Offer((30, 2), ("speex", "rnnoise")), NS_V2, {"method": "rnnoise"}),
    # 31+: its own filter, where OBS registered it
    (ac.Offer((31, 0), ("speex", "rnnoise"), nvidia_filter=True), NVAFX, {"method": "denoiser"}),
    (ac.Offer((32, 2), ("speex", "rnnoise"), nvidia_filter=True), NVAFX, {"method": "denoiser"}),
    # 31+ without it: RNNoise, never the Noise Suppression method OBS 31 would migrate away
    (ac.Offer((31, 0), ("speex", "rnnoise", "denoiser")), NS_V2, {"method": "rnnoise"}),
    (ac.Offer((32, 2), ("speex", "rnnoise")), NS_V2, {"method": "rnnoise"}),
    # an NVIDIA filter registered on an OBS before 31 is no reason to leave Noise Suppression
    (ac.Offer((30, 2), ("speex", "rnnoise"), nvidia_filter=True), NS_V2, {"method": "rnnoise"}),
])
def test_voice_noise_suppression_per_obs(offer: ac.Offer, kind: str, settings: dict) -> None:
    voice = ac.load_named("voice", CHAINS)
    ns, clicks = ac.resolve(voice, offer)[:2]
    assert (ns.name, ns.kind, ns.settings) == (FILTER_PREFIX + "Noise Suppression", kind,
                                              settings)
    assert (clicks.kind, clicks.settings) == (NS_V2, {"method": "rnnoise"})  # never NVIDIA
    assert ac.plan(ac.apply([], ac.plan([], ac.resolve(voice, offer))),
                   ac.resolve(voice, offer)) == []


def test_denoiser_keeps_only_the_keys_its_filter_reads() -> None:
    chain = ac.parse({"name": "t", "steps": [
        {"name": "NS", "kind": NS_V2, "methods": ["denoiser", "rnnoise"],
         "settings": {"intensity": 0.6, "suppress_level": -40}}, LIMIT]}, "t.yaml")
    on_31 = ac.resolve(chain, ac.Offer((31, 0), ac.BUILTIN_METHODS, nvidia_filter=True))[0]
    assert (on_31.kind, on_31.settings) == (NVAFX, {"method": "denoiser", "intensity": 0.6})
    on_30 = ac.resolve(chain, ac.Offer((30, 0), ("rnnoise", "speex", "denoiser")))[0]
    assert (on_30.kind, on_30.settings) == (NS_V2, {"method": "denoiser", "intensity": 0.6})
    assert ac.resolve(chain, ac.Offer((32, 2)))[0].settings == {"method": "rnnoise"}


def test_a_bare_method_list_is_an_obs_before_31() -> None:
    voice = ac.load_named("voice", CHAINS)
    assert ac.resolve(voice, ("rnnoise", "denoiser"))[0].kind == NS_V2
    assert ac.Offer().denoiser_kind() is None
    assert ac.Offer((31, 0), nvidia_filter=True).denoiser_kind() == NVAFX


# -- adopting what OBS 31 migrated ----------------------------------------------------------
NS = FILTER_PREFIX + "Noise Suppression"
VOICE_31 = [spec("Noise Suppression", NVAFX, method="denoiser"),
            spec("Click Suppression", NS_V2, method="rnnoise"),
            spec("Leveller", "gain_filter"),
            spec("Limiter", "limiter_filter", threshold=-2.5)]
AFTER_30 = [(NS, NS_V2, {"method": "denoiser", "intensity": 0.7}),
            *[(d.name, d.kind, dict(d.settings)) for d in VOICE_31[1:]]]
USER_COMP = ("My Compressor", "compressor_filter", {"ratio": 3})


def migrated_by_obs_31(filters: list[ac.Existing]) -> list[ac.Existing]:
    """What OBS 31 does to a Noise Suppression filter running the denoiser
    (noise-suppress-filter.c, noise_suppress_nvafx_migrate_task): adds an nvidia_audiofx_filter
    "<name>_ported" with its method and intensity at the END, removes the old one."""
    out, ported = [], []
    for name, kind, settings in filters:
        if kind == NS_V2 and settings.get("method") == "denoiser":
            ported.append((name + "_ported", NVAFX,
                           {"method": "denoiser", "intensity": settings.get("intensity", 1.0)}))
        else:
            out.append((name, kind, settings))
    return out + ported


def test_a_migrated_denoiser_is_adopted_renamed_and_put_back_in_its_place() -> None:
    on_31 = migrated_by_obs_31([USER_EQ, *AFTER_30])
    assert on_31[-1][0] == NS + "_ported" and on_31[-2][0] == FILTER_PREFIX + "Limiter"
    ops = ac.plan(on_31, VOICE_31)
    assert [op.action for op in ops] == ["rename", "move"]
    assert ops[0] == ac.Op("rename", NS + "_ported", new_name=NS)
    after = converge(on_31, VOICE_31)
    assert names_of(after) == ["My EQ", *[d.name for d in VOICE_31]]
    assert after[1] == (NS, NVAFX, {"method": "denoiser", "intensity": 0.7})  # its settings kept
    assert after[0] == USER_EQ
    assert "adopt meetcast: Noise Suppression_ported (OBS migrated it) as " + NS in (
        ac.describe(ops))


def test_adoption_keeps_the_users_filter_after_the_limiter_where_it_was() -> None:
    on_31 = migrated_by_obs_31([USER_EQ, *AFTER_30, USER_COMP])
    assert names_of(on_31)[-2:] == ["My Compressor", NS + "_ported"]
    after = converge(on_31, VOICE_31)
    assert names_of(after) == ["My EQ", *[d.name for d in VOICE_31], "My Compressor"]
    assert after[-1] == USER_COMP


def test_a_migrated_denoiser_without_the_nvidia_filter_is_replaced_in_place() -> None:
    """OBS 31 migrates even without a usable GPU (the new filter is then an unavailable id):
    the voice chain gets RNNoise back where Noise Suppression was."""
    on_31 = migrated_by_obs_31([*AFTER_30, USER_COMP])
    rnnoise = [spec("Noise Suppression", NS_V2, method="rnnoise"), *VOICE_31[1:]]
    after = converge(on_31, rnnoise)
    assert names_of(after) == [*[d.name for d in rnnoise], "My Compressor"]
    assert after[0][1] == NS_V2 and not any(n.endswith("_ported") for n in names_of(after))


def test_adoption_after_an_older_meetcast_already_replaced_it() -> None:
    """An earlier meetcast on 31 made a fresh RNNoise filter under the name; with the NVIDIA
    filter there the migrated one (right kind) wins; removals come before the rename, so two
    filters never share a name (``apply`` checks)."""
    fresh = (NS, NS_V2, {"method": "rnnoise"})
    on_31 = [fresh, *migrated_by_obs_31(AFTER_30)]
    ops = ac.plan(on_31, VOICE_31)
    assert [op.action for op in ops][:2] == ["remove", "rename"]
    after = converge(on_31, VOICE_31)
    assert names_of(after) == [d.name for d in VOICE_31]
    assert after[0] == (NS, NVAFX, {"method": "denoiser", "intensity": 0.7})
    # both of the right kind: the one in its place stays, the migrated copy goes
    in_place = (NS, NVAFX, {"method": "denoiser"})
    twice = [in_place, *migrated_by_obs_31(AFTER_30)]
    assert ac.plan(twice, VOICE_31) == [ac.Op("remove", NS + "_ported", index=len(twice) - 1)]


def test_only_meetcasts_migrated_filters_are_adopted_and_removing_takes_them_too() -> None:
    users = ("My Denoiser_ported", NVAFX, {"method": "denoiser"})
    after = converge([users, USER_EQ], VOICE_31)
    assert after[:2] == [users, USER_EQ]
    on_31 = migrated_by_obs_31([USER_EQ, *AFTER_30, USER_COMP])
    assert converge(on_31, []) == [USER_EQ, USER_COMP]
    assert ac.ported_base(NS + "_ported", NVAFX) == NS
    assert ac.ported_base(NS + "_ported", NS_V2) is None
    assert ac.ported_base("My Denoiser_ported", NVAFX) is None
    assert ac.PORTED_SUFFIX == "_ported"


def test_apply_refuses_a_rename_onto_a_taken_name() -> None:
    with pytest.raises(ValueError, match="taken"):
        ac.apply([USER_EQ, ("x", NVAFX, {})], [ac.Op("rename", "x", new_name="My EQ")])
