"""A test-only OBS script: opens meetcast's encoder Properties as OBS's script dialog would,
logs what they show, and presses their Apply button, on two frontend events the test causes
over obs-websocket: streaming started (Apply must refuse) and program scene changed."""

import json
import os
import sys

import obspython as obs

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..",
                                "obs_scripts"))

import meetcast_obsglue.encoder as enc
from meetcast_obsglue import state


def log(message):
    obs.script_log(obs.LOG_INFO, "PROBE " + message)


def show_and_click(why):
    props = obs.obs_properties_create()
    enc.properties(props, state.settings)
    lst = obs.obs_properties_get(props, "enc_profile")
    items = [obs.obs_property_list_item_name(lst, i)
             for i in range(obs.obs_property_list_item_count(lst))]
    log(why + " list=" + json.dumps(items, ensure_ascii=False))
    status = obs.obs_property_description(obs.obs_properties_get(props, "enc_status"))
    log(why + " status=" + json.dumps(status, ensure_ascii=False))
    obs.obs_property_button_clicked(obs.obs_properties_get(props, "enc_apply"), None)
    log(why + " result=" + json.dumps(enc._last_result, ensure_ascii=False))
    obs.obs_properties_destroy(props)


_ready = False  # OBS changes scene while loading; only the test's own changes count


def on_event(event):
    global _ready
    if event == obs.OBS_FRONTEND_EVENT_FINISHED_LOADING:
        _ready = True
    elif event == obs.OBS_FRONTEND_EVENT_STREAMING_STARTED:
        show_and_click("live")
    elif event == obs.OBS_FRONTEND_EVENT_SCENE_CHANGED and _ready:
        show_and_click("scene")


def script_load(settings):
    obs.obs_frontend_add_event_callback(on_event)


def script_unload():
    obs.obs_frontend_remove_event_callback(on_event)
