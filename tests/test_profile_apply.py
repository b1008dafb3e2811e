"""The Apply planner, without OBS: one action at a time from a snapshot, for the behaviours
of OBS 29, 30.2 and 31+ (a switch saves the active profile; only OBS-created profiles are
switchable). A tiny simulated OBS executes the actions the way each version does, so the
whole run is checked end to end: it ends on the chosen profile with every file meetcast
wrote still in place."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from meetcast_core import profile_apply as pa

OURS = ("meetcast-low-bandwidth", "meetcast-meetup-720p30", "meetcast-meetup-1080p30")


def snap(current: str, known: tuple[str, ...], fresh: dict[str, bool] | None = None,
         folders: dict[str, int] | None = None, home: str = "Untitled",
         live: str | None = None) -> pa.Snapshot:
    fresh = fresh or {}
    folders = folders or {}
    ours = tuple(pa.OursState(n, n in known, folders.get(n, 1 if n in known else 0),
                              fresh.get(n, False)) for n in OURS)
    return pa.Snapshot(current, known, ours, home, live)


def test_first_apply_creates_every_profile_through_obs() -> None:
    assert pa.next_action(snap("Untitled", ("Untitled",)), OURS[1]) == \
        pa.Action("create", OURS[0])


def test_writes_only_profiles_that_are_not_active() -> None:
    s = snap(OURS[2], ("Untitled", *OURS))  # all created, none written, the last one active
    assert pa.next_action(s, OURS[1]) == pa.Action("write", OURS[0])
    s = snap(OURS[2], ("Untitled", *OURS), fresh={OURS[0]: True, OURS[1]: True})
    # the active one is stale: leave it for the chosen one (up to date), then write it
    assert pa.next_action(s, OURS[1]) == pa.Action("switch", OURS[1])
    s = snap(OURS[1], ("Untitled", *OURS), fresh={OURS[0]: True, OURS[2]: True})
    # the chosen one is active and stale: step through the user's own profile
    assert pa.next_action(s, OURS[1]) == pa.Action("switch", "Untitled")


def test_steps_through_another_meetcast_profile_when_the_user_has_none() -> None:
    s = snap(OURS[1], OURS, fresh={OURS[0]: True, OURS[2]: True}, home="")
    assert pa.next_action(s, OURS[1]) == pa.Action("switch", OURS[0])


def test_up_to_date_and_active_is_done_and_refusals() -> None:
    all_fresh = dict.fromkeys(OURS, True)
    assert pa.next_action(snap(OURS[1], ("Untitled", *OURS), all_fresh), OURS[1]).kind == "done"
    assert pa.next_action(snap("Untitled", ("Untitled", *OURS), all_fresh), OURS[1]) == \
        pa.Action("switch", OURS[1])
    live = pa.next_action(snap("Untitled", ("Untitled",), live="OBS is streaming"), OURS[1])
    assert live.kind == "fail" and live.why.startswith("OBS is streaming: stop it first")
    # a folder OBS does not list (made with mkdir while OBS 31+ ran): creating would make a
    # second folder of the same name, so ask for the restart that makes OBS list it
    orphan = pa.next_action(snap("Untitled", ("Untitled",), folders={OURS[0]: 1}), OURS[1])
    assert orphan.kind == "fail" and "restart OBS once" in orphan.why
    twice = pa.next_action(snap("Untitled", ("Untitled", *OURS), folders={OURS[2]: 2}), OURS[1])
    assert twice.kind == "fail" and "2 profile folders are named" in twice.why


def test_an_action_without_effect_fails_instead_of_looping() -> None:
    run = pa.ApplyRun(OURS[1])
    s = snap("Untitled", ("Untitled",))
    assert run.next(s) == pa.Action("create", OURS[0])
    again = run.next(s)  # OBS did not create it
    assert again.kind == "fail" and again.why == f"OBS did not create profile {OURS[0]}"
    run = pa.ApplyRun(OURS[1])
    s = snap("Untitled", ("Untitled", *OURS), dict.fromkeys(OURS, True))
    assert run.next(s).kind == "switch"
    stuck = run.next(s)  # listed but not in OBS 29's menu
    assert stuck.kind == "fail" and "restart OBS once" in stuck.why
    assert run.finished


@dataclass
class FakeObs:
    """Profiles as OBS keeps them: an in-memory config for the active one, files on disk.
    ``saves_on_switch``: OBS 31+ writes the active profile's memory over its file when it
    switches away (every version does so on create)."""

    saves_on_switch: bool
    active: str = "Untitled"
    disk: dict[str, str] = field(default_factory=lambda: {"Untitled": "user"})
    memory: str = "user"
    log: list[str] = field(default_factory=list)

    def _leave(self) -> None:
        self.disk[self.active] = self.memory

    def create(self, name: str) -> None:
        self._leave()  # every version saves the old profile when creating
        self.disk[name] = "defaults"
        self.active, self.memory = name, "defaults"

    def switch(self, name: str) -> None:
        if name == self.active:
            return
        if self.saves_on_switch:
            self._leave()
        self.active, self.memory = name, self.disk[name]
        self.log.append(name)

    def snapshot(self) -> pa.Snapshot:
        known = tuple(self.disk)
        ours = tuple(pa.OursState(n, n in known, int(n in self.disk),
                                  self.disk.get(n) == "meetcast") for n in OURS)
        return pa.Snapshot(self.active, known, ours, "Untitled", None)


def drive(o: FakeObs, chosen: str) -> pa.ApplyRun:
    run = pa.ApplyRun(chosen)
    while not run.finished:
        a = run.next(o.snapshot())
        if a.kind == "create":
            o.create(a.profile)
        elif a.kind == "write":
            assert a.profile != o.active, "wrote into the active profile"
            o.disk[a.profile] = "meetcast"
        elif a.kind == "switch":
            o.switch(a.profile)
    return run


@pytest.mark.parametrize("saves_on_switch", [False, True], ids=["obs29-30", "obs31+"])
@pytest.mark.parametrize("chosen", OURS)
def test_whole_run_ends_on_the_chosen_profile_running_meetcasts_files(
        saves_on_switch: bool, chosen: str) -> None:
    o = FakeObs(saves_on_switch)
    run = drive(o, chosen)
    assert run.history[-1].kind == "done", run.history
    assert o.active == chosen and o.memory == "meetcast"  # OBS runs what meetcast wrote
    assert all(o.disk[n] == "meetcast" for n in OURS)
    assert o.disk["Untitled"] == "user"                  # the user's profile untouched
    # a second Apply changes nothing
    before = dict(o.disk)
    again = drive(o, chosen)
    assert [a.kind for a in again.history] == ["done"] and o.disk == before


def test_verify_names_what_obs_runs_instead() -> None:
    ok = pa.live_params("Advanced", "obs_x264", {"bitrate": 900, "rate_control": "CBR"})
    assert pa.verify(ok, "obs_x264", 900) == []
    bad = pa.live_params("Simple", "", {})
    assert pa.verify(bad, "obs_x264", 900) == ["output mode Simple, not Advanced"]
    other = pa.live_params("Advanced", "ffmpeg_nvenc", {"bitrate": 2500})
    assert pa.verify(other, "obs_x264", 900) == ["encoder ffmpeg_nvenc, not obs_x264",
                                                "bitrate 2500 kbps, not 900"]
