"""The pathway diagram is a pure function: well-formed, accessible, escaped and deterministic."""

import copy
import xml.etree.ElementTree as ET

from opennrm.jurisdiction.diagram import pathway_svg
from opennrm.jurisdiction.schema import Pack
from tests.jurisdiction.views_fixtures import PACK_CONTENT

SVG = "{http://www.w3.org/2000/svg}"


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)  # noqa: S314 - our own output, not untrusted input


def pack(content=None) -> Pack:
    return Pack.model_validate(copy.deepcopy(content or PACK_CONTENT))


def texts(root: ET.Element) -> str:
    return " ".join("".join(element.itertext()) for element in root.iter(f"{SVG}text"))


def test_output_is_well_formed_svg_with_title_and_description():
    root = parse(pathway_svg(pack(), "en"))
    assert root.tag == f"{SVG}svg"
    assert root.get("role") == "img"
    assert root.get("aria-labelledby") == "pathway-title pathway-desc"
    assert root.find(f"{SVG}title").text == "Pathway: Testland model"
    description = root.find(f"{SVG}desc").text
    expected = "1. Recognition: Social service (first contact), Police & <Border> guard (responder)."
    assert expected in description


def test_every_stage_appears_in_order_with_its_institutions():
    root = parse(pathway_svg(pack(), "en"))
    drawn = texts(root)
    labels = ["1. Recognition", "2. Referral", "3. Assistance"]
    positions = [drawn.index(label) for label in labels]
    assert positions == sorted(positions)
    stages = {g.get("id"): "".join(g.itertext()) for g in root.iter(f"{SVG}g") if g.get("class") == "stage"}
    assert "Service provider" in stages["pathway-stage-assistance"]
    assert "Service provider" not in stages["pathway-stage-recognition"]
    assert "Recognise, Refer" in stages["pathway-stage-recognition"]


def test_first_contact_and_responder_differ_by_word_and_border_not_colour_only():
    root = parse(pathway_svg(pack(), "en"))
    actors = [g for g in root.iter(f"{SVG}g") if g.get("class") == "actor"]
    by_name = {"".join(g.itertext()): g for g in actors}
    social = next(g for text, g in by_name.items() if "Social service" in text)
    police = next(g for text, g in by_name.items() if "Police" in text)
    assert "First contact" in "".join(social.itertext())
    assert "Responder" in "".join(police.itertext())
    assert social.find(f"{SVG}rect").get("stroke-dasharray")
    assert police.find(f"{SVG}rect").get("stroke-dasharray") is None


def test_text_is_escaped():
    svg = pathway_svg(pack(), "en")
    assert "Police &amp; &lt;Border&gt; guard" in svg
    assert "<Border>" not in svg
    parse(svg)


def test_output_is_deterministic_and_follows_the_language():
    assert pathway_svg(pack(), "en") == pathway_svg(pack(), "en")
    latvian = pathway_svg(pack(), "lv")
    assert "Atpazīšana" in latvian and 'lang="lv"' in latvian


def test_a_stage_without_institutions_says_so_and_long_names_wrap():
    content = copy.deepcopy(PACK_CONTENT)
    content["matrix"] = [e for e in content["matrix"] if e["stage"] != "referral"]
    content["institution_types"][2]["name"]["en"] = "A very long institution name " * 4
    root = parse(pathway_svg(pack(content), "en"))
    assert "No institution is assigned to this stage." in texts(root)
    provider = next(
        g for g in root.iter(f"{SVG}g") if g.get("class") == "actor" and "very long" in "".join(g.itertext())
    )
    assert len(list(provider.find(f"{SVG}text[@class='name']"))) > 1  # several tspans: the name wraps
    width = int(root.get("width"))
    assert all(float(t.get("x")) < width for t in root.iter(f"{SVG}tspan"))


def test_a_long_model_name_is_wrapped_not_cut_off():
    content = copy.deepcopy(PACK_CONTENT)
    long_name = " ".join(["Vispārējais modelis cilvēku tirdzniecības upuru atpazīšanai"] * 3)
    content["pack"]["name"] = {"lv": long_name, "en": long_name, "ru": long_name}
    svg = pathway_svg(content, "lv")
    title = parse(svg).find(f"{SVG}text")
    spans = [span.text for span in title]
    assert len(spans) > 1
    assert " ".join(spans).endswith("atpazīšanai")
