"""images/generations (text → image, image → image) and kolors-virtual-try-on request rules.

API = the official docs copy artykrd/ai-bot-misha `docs/kling_api.md` ("Image Generation", "Virtual Try-On");
CN = the official Chinese copy WHQ25/rawgenai `docs/research/kling/` (capability-map.md, virtual-try-on.md).
"""

from __future__ import annotations

from .catalog import DEFAULT_GENERATION_MODEL, DEFAULT_TRY_ON_MODEL, GENERATION_MODELS, TRY_ON_MODELS
from .errors import bad_request
from .fields import Accepted, Body, check_count, check_enum, check_fraction, check_text, require_prompt
from .imagecheck import check_image
from .prices import TRY_ON_UNITS, generation_units

GENERATION_RATIOS = ("16:9", "9:16", "1:1", "4:3", "3:4", "3:2", "2:3", "21:9")  # API, aspect_ratio enum
MAX_IMAGES = 9  # API, n: "Value range: [1,9]"
ONE_K_ONLY = frozenset({"kling-v1", "kling-v1-5"})  # CN capability map, 清晰度支持: kling-v1 1K, kling-v1-5 1K


def validate_generation(body: Body, prompt_max: int, negative_max: int) -> Accepted:
    """Check a POST /v1/images/generations body; return its model, image count and price."""
    model = _pick_model(body, GENERATION_MODELS, DEFAULT_GENERATION_MODEL)
    require_prompt(body)  # API, prompt: "Required", "Cannot exceed 2500 characters"
    check_text(body, prompt_max, negative_max)
    image = body.get("image")
    if image is not None:
        check_image("image", image)
    if image and body.get("negative_prompt"):
        # API, negative_prompt: "In the Image-to-Image scenario (when the "image" field is not empty), negative
        # prompts are not supported."
        raise bad_request("negative_prompt is not supported when image is given (image to image)")
    _check_reference(body, model)
    check_fraction(body, "image_fidelity")  # API: "Value range：[0,1]"
    check_fraction(body, "human_fidelity")  # API: "Value range：[0,1]"
    check_enum(body, "resolution", ("1k", "2k"))  # API, resolution: "Enum values：1k, 2k"
    if body.get("resolution") == "2k" and model in ONE_K_ONLY:
        raise bad_request(f'resolution "2k" is not supported by {model} (1k only)')
    check_enum(body, "aspect_ratio", GENERATION_RATIOS)
    if body.get("aspect_ratio") == "21:9" and model == "kling-v1":
        raise bad_request("aspect_ratio 21:9 is not supported by kling-v1")  # CN capability map, kling-v1 row
    if model == "kling-v2-new" and not image:
        raise bad_request("kling-v2-new only restyles an image: image is required")  # CN: 文生图 "-" on v2-new
    n = check_count(body, "n", MAX_IMAGES)
    return Accepted(model_name=model, n_outputs=n, units=generation_units(model, bool(image), n))


def _check_reference(body: Body, model: str) -> None:
    """API, image_reference: "Enum values：subject, face"; "When using kling-v1-5 and the image parameter is not
    empty, the current parameter is required"; "Only kling-v1-5 supports the current parameter"; image: "the
    image_reference parameter is not empty, the current parameter is required"."""
    check_enum(body, "image_reference", ("subject", "face"))
    reference, image = body.get("image_reference"), body.get("image")
    if reference is not None and model != "kling-v1-5":
        raise bad_request(f"image_reference is only supported by kling-v1-5, not {model}")
    if reference is not None and not image:
        raise bad_request("image is required when image_reference is given")
    if model == "kling-v1-5" and image and reference is None:
        raise bad_request('image_reference ("subject" or "face") is required with image on kling-v1-5')


def validate_try_on(body: Body) -> Accepted:
    """Check a POST /v1/images/kolors-virtual-try-on body (API; CN marks cloth_image required)."""
    model = _pick_model(body, TRY_ON_MODELS, DEFAULT_TRY_ON_MODEL)
    for field in ("human_image", "cloth_image"):
        if not body.get(field):
            raise bad_request(f"{field} is required")
        check_image(field, body[field])
    return Accepted(model_name=model, n_outputs=1, units=TRY_ON_UNITS)


def _pick_model(body: Body, allowed: frozenset[str], default: str) -> str:
    model = body.get("model_name")
    if model is None:
        return default
    if model not in allowed:
        raise bad_request(f"model_name {model!r} is not supported; supported: {', '.join(sorted(allowed))}")
    return str(model)
