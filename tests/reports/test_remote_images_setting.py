"""OPTUNAGUI_ALLOW_REMOTE_IMAGES: off unless set to an explicit yes; anything else is refused,
naming the variable and the values it takes."""

from __future__ import annotations

import pytest

from optunagui.config import load_settings


@pytest.mark.parametrize(("value", "allowed"), [(None, False), ("", False), ("0", False),
                                                 ("off", False), ("1", True), (" Yes ", True),
                                                 ("true", True)])
def test_remote_images_setting(tmp_path, value, allowed):
    env = {"OPTUNAGUI_DATA_DIR": str(tmp_path)}
    if value is not None:
        env["OPTUNAGUI_ALLOW_REMOTE_IMAGES"] = value
    assert load_settings(env).allow_remote_images is allowed


def test_a_vague_remote_images_setting_is_refused(tmp_path):
    env = {"OPTUNAGUI_DATA_DIR": str(tmp_path), "OPTUNAGUI_ALLOW_REMOTE_IMAGES": "sometimes"}
    with pytest.raises(ValueError, match=r"OPTUNAGUI_ALLOW_REMOTE_IMAGES: expected one of 1, "
                                         r"true, yes, on, 0, false, no, off, or unset; "
                                         r"got 'sometimes'"):
        load_settings(env)
