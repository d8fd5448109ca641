"""POST /v1/videos/effects: template scenes and the `input` each takes.

API = the official docs copy artykrd/ai-bot-misha `docs/kling_api.md` ("Video Effects", 148 single-image scenes);
CN = the newer official Chinese copy WHQ25/rawgenai `docs/research/kling/video-effects.md` (193 single-image and
5 two-person "*_pro"-style scenes). A scene either lists is accepted.
"""

from __future__ import annotations

from typing import Any

from .errors import bad_request, not_found
from .fields import Accepted, Body, check_enum
from .imagecheck import check_image
from .prices import EFFECT_UNITS_PER_5S, video_units

_SINGLE_IMAGE_NAMES = (
    "3d_cartoon_1 3d_cartoon_1_pro 3d_cartoon_2 a_list_look american_comics angel_wing anime_figure "
    "balloon_parade baseball birthday_star black_wings bloombloom boss_coming bouncy_dance bouquet_drop "
    "box_of_joy boyfriend brown_bear_hug building_collapse building_sweater bullet_time bullet_time_360 "
    "bullet_time_lite c4d_cartoon c4d_cartoon_pro car_explosion celebration christmas_photo_shoot "
    "construction_worker coronation_of_frost countdown_teleport cozy_toon_wrap cry_cry crystal_horse "
    "cute_ghost_transform cute_pumpkin_transform daoma_dance dark_wing day_to_night demon_transform disappear "
    "dishwasher dizzydizzy dollar_rain dollar_rain_pro double_gun drunk_dance drunk_dance_pet dumpling_making_pet "
    "eagle_snatch emoji expansion expression_challenge fairy_wing feed_mooncake felt_felt firework firework_2026 "
    "first_toast_of_the_year fish_making_pet fly_fly flyer fortune_god_transform fuzzyfuzzy gallery_ring "
    "ghost_step_dance girlfriend glamour_photo_shoot golden_horse_fortune golden_wing great_success "
    "guardian_spirit guess_what gun_shot halloween_escape happy_birthday heart_gesture_1 heart_gesture_dance "
    "horse_year_firework hug_from_past inner_voice instant_christmas instant_film instant_kid japanese_anime_1 "
    "jazz_jazz jelly_jiggle jelly_press jelly_slice jelly_squish jesus_hug jumpdrop jumping_ginger_joy "
    "knock_knock_halloween lantern_glow lateral_shift_transition let's_ride let’s_ride lie_flat lightning_power "
    "lion_dance lion_dance_pet long_hair lucky_horse_year lucky_money_come lucky_red_packet luminous_elf "
    "magic_broom magic_cloak magic_fireball magic_match_tree marry_me martial_arts media_interview memory_alive "
    "motorcycle_dance mummy_transform muscle_pet mushroom my_santa_pic mythic_style new_year_feast "
    "new_year_greeting nezha office_escape_plow ornament_crash overdrive particle_santa_surround pet_bee "
    "pet_bee_pro pet_chef pet_chinese_opera pet_dance pet_delivery pet_lion pet_lion_pro pet_moto_rider "
    "pet_red_packet pet_vlogger pet_warrior pet_wizard phantom_jewel piggy_morph pink_pink_wings pixelpixel "
    "plushcut polar_bear_hug poping prosperity pucker_up pumpkin_head_transform pure_white_wings rampage_ape "
    "red_packet_box ring_in_new rocketrocket running running_man santa_express santa_gift santa_gifts santa_hug "
    "santa_random_surprise scarlet_and_snow shark_alert siblings skateskate ski_ski smoke_smoke "
    "smooth_sailing_dance snatched snowboarding snowglobe spark_in_the_snow splashsplash squeeze_scream squish "
    "steampunk steampunk_christmas subject_3_dance surfsurf surprise_bouquet swing_swing swish_swish "
    "throne_of_king thumbs_up thumbs_up_pro tiger_hug tiger_hug_pro trampoline trampoline_night vampire_transform "
    "venomous_spider watermelon_bomb wig_out witch_transform woodland_elf wool_curly yearbook zombie_transform "
    "zoom_out "
)
SINGLE_IMAGE_SCENES = frozenset(_SINGLE_IMAGE_NAMES.split())
# API: "Dual-character Effects: 4 types available, hug, kiss, heart_gesture, fight"; input {model_name, mode,
# images (2), duration "5"|"10"}; model_name "Enum Values: kling-v1, kling-v1-5, kling-v1-6 / fight: kling-v1-6
# only"; "model_name parameter is required only for dual-character special effects".
CLASSIC_PAIR_SCENES = frozenset({"hug", "kiss", "heart_gesture", "fight"})
PAIR_MODELS = ("kling-v1", "kling-v1-5", "kling-v1-6")
# CN: "双人互动特效（5款）: cheers_2026, kiss_pro, fight_pro, hug_pro, heart_gesture_pro"; input {images (2),
# duration "仅支持 5" (5 only)}; model and mode "不需要填" (not to be filled).
PRO_PAIR_SCENES = frozenset({"cheers_2026", "kiss_pro", "fight_pro", "hug_pro", "heart_gesture_pro"})
SCENES = SINGLE_IMAGE_SCENES | CLASSIC_PAIR_SCENES | PRO_PAIR_SCENES


def validate_effects(body: Body) -> Accepted:
    """Check an effects body `{effect_scene, input}`; return the model, price and result length."""
    scene = body.get("effect_scene")
    if not isinstance(scene, str) or not scene:
        raise bad_request("effect_scene is required")
    if scene not in SCENES:
        raise bad_request(f"effect_scene {scene!r} is not supported", code=1201)
    data = body.get("input")
    if not isinstance(data, dict):
        raise bad_request("input is required and must be an object")
    if scene in CLASSIC_PAIR_SCENES:
        return _classic_pair(scene, data)
    _refuse(data, ("model_name", "mode"), f"{scene} takes no model_name or mode (only hug, kiss, heart_gesture, fight)")
    if scene in PRO_PAIR_SCENES:
        _check_pair(data)
        _check_duration(data, ("5",), scene)
        return Accepted(model_name="", units=EFFECT_UNITS_PER_5S, seconds=5)
    _refuse(data, ("images",), f"{scene} is a single-image effect: send input.image, not input.images")
    if not data.get("image"):
        raise bad_request(f"input.image is required for {scene}")
    check_image("input.image", data["image"])
    # API, single-image effects: duration "Enum values：5" (CN's newer copy also lists 10: the stricter rule here).
    _check_duration(data, ("5",), scene)
    return Accepted(model_name="", units=EFFECT_UNITS_PER_5S, seconds=5)


def _classic_pair(scene: str, data: dict[str, Any]) -> Accepted:
    model = data.get("model_name")
    if model is None:
        raise bad_request(f"input.model_name is required for the two-person effect {scene}")
    if model not in PAIR_MODELS:
        raise bad_request(f"input.model_name must be one of {', '.join(PAIR_MODELS)} for {scene}, got {model!r}")
    if model == "kling-v1":  # kling-api.md: "kling-v1 (discontinued 2026)"
        raise not_found("model kling-v1 has been discontinued", code=1203)
    if scene == "fight" and model != "kling-v1-6":
        raise bad_request('the "fight" effect is only supported by kling-v1-6')  # API, note under the table
    check_enum(data, "mode", ("std", "pro"))
    _check_pair(data)
    duration = _check_duration(data, ("5", "10"), scene)
    mode = str(data.get("mode") or "std")
    return Accepted(model_name=str(model), units=video_units(str(model), mode, duration), seconds=int(duration))


def _check_pair(data: dict[str, Any]) -> None:
    """API: "The length of the array must be 2" (its example and CN name the field `images`)."""
    images = data.get("images")
    if not isinstance(images, list) or len(images) != 2:
        raise bad_request("input.images must hold exactly 2 images for a two-person effect")
    for index, image in enumerate(images):
        check_image(f"input.images[{index}]", image)


def _check_duration(data: dict[str, Any], allowed: tuple[str, ...], scene: str) -> str:
    duration = data.get("duration")
    if duration is None:
        raise bad_request(f"input.duration is required for {scene}")  # API: duration "Required"
    if duration not in allowed:
        choices = ", ".join(f'"{value}"' for value in allowed)
        raise bad_request(f"input.duration must be one of {choices} (a string) for {scene}, got {duration!r}")
    return str(duration)


def _refuse(data: dict[str, Any], fields: tuple[str, ...], message: str) -> None:
    if any(data.get(field) is not None for field in fields):
        raise bad_request(message)
