"""Slack's standard emoji names as the characters the poster saw (custom workspace emoji stay as their :name:)."""

from __future__ import annotations

# The names staff use most in a report channel; an unknown name is left as typed (the core ignores the codes).
NAMES: dict[str, str] = {
    "rotating_light": "🚨", "warning": "⚠️", "sos": "🆘", "exclamation": "❗", "heavy_exclamation_mark": "❗",
    "bangbang": "‼️", "question": "❓", "grey_question": "❔", "interrobang": "⁉️", "no_entry": "⛔",
    "no_entry_sign": "🚫", "x": "❌", "o": "⭕", "ok": "🆗", "new": "🆕", "bell": "🔔", "loudspeaker": "📢",
    "mega": "📣", "fire": "🔥", "boom": "💥", "zap": "⚡", "bomb": "💣", "eyes": "👀", "mag": "🔍",
    "mag_right": "🔎", "lock": "🔒", "unlock": "🔓", "key": "🔑", "link": "🔗", "memo": "📝", "pencil": "📝",
    "pencil2": "✏️", "clipboard": "📋", "pushpin": "📌", "round_pushpin": "📍", "paperclip": "📎",
    "file_folder": "📁", "open_file_folder": "📂", "page_facing_up": "📄", "newspaper": "📰", "tv": "📺",
    "camera": "📷", "camera_with_flash": "📸", "video_camera": "📹", "iphone": "📱", "phone": "☎️",
    "telephone_receiver": "📞", "email": "📧", "envelope": "✉️", "calendar": "📆", "date": "📅",
    "clock": "🕐", "hourglass": "⌛", "hourglass_flowing_sand": "⏳", "alarm_clock": "⏰", "stopwatch": "⏱️",
    "chart_with_upwards_trend": "📈", "chart_with_downwards_trend": "📉", "bar_chart": "📊",
    "white_check_mark": "✅", "heavy_check_mark": "✔️", "ballot_box_with_check": "☑️", "100": "💯",
    "+1": "👍", "thumbsup": "👍", "-1": "👎", "thumbsdown": "👎", "ok_hand": "👌", "clap": "👏",
    "pray": "🙏", "bow": "🙇", "raised_hands": "🙌", "wave": "👋", "point_right": "👉", "point_up": "☝️",
    "point_down": "👇", "muscle": "💪", "handshake": "🤝", "man-bowing": "🙇‍♂️", "woman-bowing": "🙇‍♀️",
    "scream": "😱", "fearful": "😨", "cold_sweat": "😰", "sweat": "😓", "sweat_smile": "😅", "sob": "😭",
    "cry": "😢", "disappointed": "😞", "disappointed_relieved": "😥", "worried": "😟", "confused": "😕",
    "thinking_face": "🤔", "face_with_monocle": "🧐", "flushed": "😳", "anguished": "😧", "dizzy_face": "😵",
    "exploding_head": "🤯", "rage": "😡", "angry": "😠", "triumph": "😤", "neutral_face": "😐",
    "expressionless": "😑", "grimacing": "😬", "innocent": "😇", "smile": "😄", "smiley": "😃",
    "grinning": "😀", "laughing": "😆", "joy": "😂", "slightly_smiling_face": "🙂", "blush": "😊",
    "relieved": "😌", "sunglasses": "😎", "tada": "🎉", "sparkles": "✨", "star": "⭐", "heart": "❤️",
    "broken_heart": "💔", "bulb": "💡", "speech_balloon": "💬", "thought_balloon": "💭",
    "loud_sound": "🔊", "mute": "🔇", "speaker": "🔈", "no_mouth": "😶", "zipper_mouth_face": "🤐",
    "shushing_face": "🤫", "see_no_evil": "🙈", "ghost": "👻", "skull": "💀", "robot_face": "🤖",
    "bust_in_silhouette": "👤", "busts_in_silhouette": "👥", "office": "🏢", "house": "🏠",
    "hospital": "🏥", "school": "🏫", "police_car": "🚓", "ambulance": "🚑", "fire_engine": "🚒",
    "construction": "🚧", "ok_woman": "🙆", "no_good": "🙅", "raising_hand": "🙋",
    "sunny": "☀️", "cloud": "☁️", "umbrella": "☔", "snowflake": "❄️", "snowman": "⛄", "cyclone": "🌀",
    "ocean": "🌊", "droplet": "💧", "earth_asia": "🌏", "cherry_blossom": "🌸", "bear": "🐻", "dog": "🐶",
    "cat": "🐱", "coffee": "☕", "beers": "🍻", "beer": "🍺", "ramen": "🍜", "bento": "🍱", "art": "🎨",
    "gift": "🎁", "ticket": "🎫", "moneybag": "💰", "yen": "💴", "credit_card": "💳", "computer": "💻",
    "desktop_computer": "🖥️", "globe_with_meridians": "🌐", "satellite": "📡", "shield": "🛡️",
    "arrow_right": "➡️", "arrow_left": "⬅️", "arrow_up": "⬆️", "arrow_down": "⬇️", "arrows_counterclockwise": "🔄",
    "repeat": "🔁", "red_circle": "🔴", "large_blue_circle": "🔵", "white_circle": "⚪", "black_circle": "⚫",
    "large_orange_circle": "🟠", "large_yellow_circle": "🟡", "large_green_circle": "🟢",
}
SKIN_TONES: dict[str, str] = {f"skin-tone-{n}": chr(0x1F3FB + n - 2) for n in range(2, 7)}

CODE = r":([a-z0-9_+'-]+):"  # one alternative of slack_to_plain's single pass over the text


def character(name: str) -> str | None:
    """The character of a standard emoji name or a skin tone, or None for a custom (or unknown) name."""
    return NAMES.get(name) or SKIN_TONES.get(name)
