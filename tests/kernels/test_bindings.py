"""The VPU custom-layer binding XML: both forms OpenVINO met, Where conditions, and the mistakes
refused with their file, line and fix."""
import pytest

from oakling.kernels.bindings import BindingError, Bindings, Condition, parse_text

SOURCES = {"relu.cl": "__kernel void relu(__global const half *src, __global half *dst) {}\n",
           "mvn.cl": "__kernel void reduce(void) {}\n__kernel void scale(void) {}\n"}


def read_source(name):
    if name not in SOURCES:
        raise FileNotFoundError(f"{name} does not exist")
    return SOURCES[name]


def parse(xml: str) -> Bindings:
    return parse_text(xml, "b.xml", read_source)


DOCUMENTED = """<CustomLayers>
<CustomLayer name="MyReLU" type="MVCL" version="1" max-shaves="2">
    <Where kind="fast" size=">=4"/>
    <Kernel entry="relu"><Source filename="relu.cl"/></Kernel>
    <Parameters>
        <Tensor arg-name="src" type="input" port-index="0" format="BYXF"/>
        <Tensor arg-name="dst" type="output" port-index="0"/>
        <Data arg-name="tmp" type="local_data" dim="input,0" size="X*F*2"/>
        <Data arg-name="w" type="data" source="weights"/>
        <Scalar arg-name="n" type="int" port-index="1" source="kernel"/>
    </Parameters>
    <WorkSizes dim="output,0" global="(X+7)/8*8,max(Y,1),F" local="8,1,1"/>
</CustomLayer>
</CustomLayers>"""


def test_the_documented_form_gives_every_element_and_attribute():
    [layer] = parse(DOCUMENTED).layers
    assert (layer.name, layer.max_shaves, layer.file, layer.line) == ("MyReLU", 2, "b.xml", 2)
    assert layer.where == (Condition("kind", "==", "fast"), Condition("size", ">=", "4"))
    [stage] = layer.stages
    assert (stage.index, stage.entry, stage.sources[0].filename) == (0, "relu", "relu.cl")
    assert stage.sources[0].text == SOURCES["relu.cl"]
    src, dst, tmp, w, n = stage.params
    assert (src.element, src.type, src.port, src.format, src.line) == ("Tensor", "input", 0, "BYXF", 6)
    assert (dst.format, dst.port) == ("BFYX", 0)    # BFYX is the default
    assert (tmp.type, tmp.dim, tmp.size.text) == ("local_data", ("input", 0), "X*F*2")
    assert (w.element, w.type, w.source) == ("Data", "data", "weights")
    assert (n.element, n.type, n.port, n.source) == ("Scalar", "int", 1, "kernel")
    ws = stage.work_sizes
    assert ws.dim == ("output", 0)
    assert [e.evaluate({"X": 13, "Y": 0, "F": 3}) for e in ws.global_size] == [16, 1, 3]
    assert [e.evaluate({}) for e in ws.local_size] == [8, 1, 1]


NESTED = """<CustomLayers>
<CustomLayer name="MyMVN" type="MVCL" version="1">
    <Kernel entry="scale" stage="1">
        <Source filename="mvn.cl"/>
        <Parameters><Tensor arg-name="m" type="input_buffer" port-index="0" dim="output,0" size="F*4"/></Parameters>
        <WorkSizes global="X,Y"/>
    </Kernel>
    <Kernel entry="reduce" stage="0">
        <Source filename="mvn.cl"/>
        <Parameters><Tensor arg-name="m" type="output_buffer" port-index="0" dim="output,0" size="F*4"/></Parameters>
        <WorkSizes dim="input,0" global="F"/>
    </Kernel>
</CustomLayer>
</CustomLayers>"""

DOCUMENTED_STAGES = """<CustomLayers>
<CustomLayer name="MyMVN" type="MVCL" version="1" stage="1">
    <Kernel entry="scale"><Source filename="mvn.cl"/></Kernel>
    <Parameters><Tensor arg-name="m" type="input_buffer" port-index="0" dim="output,0" size="F*4"/></Parameters>
    <WorkSizes global="X,Y"/>
</CustomLayer>
<CustomLayer name="MyMVN" type="MVCL" version="1" stage="0">
    <Kernel entry="reduce"><Source filename="mvn.cl"/></Kernel>
    <Parameters><Tensor arg-name="m" type="output_buffer" port-index="0" dim="output,0" size="F*4"/></Parameters>
    <WorkSizes dim="input,0" global="F"/>
</CustomLayer>
</CustomLayers>"""


@pytest.mark.parametrize("xml", [NESTED, DOCUMENTED_STAGES], ids=["nested-2021", "documented-stage-attribute"])
def test_a_multi_stage_layer_runs_its_stages_in_order_whatever_the_form(xml):
    [layer] = parse(xml).layers
    assert [(s.index, s.entry) for s in layer.stages] == [(0, "reduce"), (1, "scale")]
    assert [s.params[0].type for s in layer.stages] == ["output_buffer", "input_buffer"]
    assert layer.stages[0].params[0].size.evaluate({"F": 3}) == 12
    assert layer.stages[1].work_sizes.dim == ("input", 0)    # the default


@pytest.mark.parametrize("condition, value, fits", [
    (">=3", "3", True), (">=3", "2", False), ("<=3", "3", True), ("<=3", "4", False),
    (">3", "4", True), (">3", "3", False), ("<3", "2.5", True), ("<3", "3", False),
    ("!=3", "4", True), ("!=3", "3.0", False), ("3", "3.0", True), ("3", "4", False),
    ("3,3", "3, 3", True), ("3,3", "3,5", False), ("fast", "fast", True), ("fast", "Fast", False),
    (">=3", "many", False),
])
def test_where_conditions(condition, value, fits):
    escaped = condition.replace("<", "&lt;").replace(">", "&gt;")   # as XML wants them in attributes
    xml = DOCUMENTED.replace('<Where kind="fast" size=">=4"/>', f'<Where k="{escaped}"/>')
    [layer] = parse(xml).layers
    assert layer.matches({"k": value}) is fits
    assert layer.matches({}) is False   # an attribute the layer lacks never fits


def test_select_takes_the_binding_whose_where_holds_the_most_specific_first():
    xml = """<CustomLayers>
    <CustomLayer name="Conv" type="MVCL" version="1"><Kernel entry="any"><Source filename="relu.cl"/></Kernel>
        <Parameters/><WorkSizes global="X"/></CustomLayer>
    <CustomLayer name="Conv" type="MVCL" version="1"><Where kernel="3,3"/>
        <Kernel entry="k3"><Source filename="relu.cl"/></Kernel><Parameters/><WorkSizes global="X"/></CustomLayer>
    <CustomLayer name="Conv" type="MVCL" version="1"><Where kernel="3,3" group=">1"/>
        <Kernel entry="k3g"><Source filename="relu.cl"/></Kernel><Parameters/><WorkSizes global="X"/></CustomLayer>
    </CustomLayers>"""
    bindings = parse(xml)
    assert bindings.select("conv", {"kernel": "3,3", "group": "2"}).stages[0].entry == "k3g"   # caseless type
    assert bindings.select("Conv", {"kernel": "3,3", "group": "1"}).stages[0].entry == "k3"
    assert bindings.select("Conv", {"kernel": "5,5"}).stages[0].entry == "any"
    assert bindings.select("Pool", {}) is None
    assert bindings.types == ["Conv"]


@pytest.mark.parametrize("change, message", [
    (('type="MVCL"', 'type="OCL"'), "b.xml:2: CustomLayer 'MyReLU': type=\"OCL\" — the only type is MVCL"),
    (('version="1"', 'version="2"'), "b.xml:2: CustomLayer 'MyReLU': version=\"2\" — the only version is 1"),
    (('entry="relu"', 'entry=""'), "b.xml:4: CustomLayer 'MyReLU': <Kernel> needs entry=\"…\""),
    (('filename="relu.cl"', 'filename="gone.cl"'),
     "b.xml:4: CustomLayer 'MyReLU', kernel relu(): <Source filename=\"gone.cl\">: gone.cl does not exist"),
    (('type="input"', 'type="inptu"'), "b.xml:6: CustomLayer 'MyReLU', kernel relu(): <Tensor arg-name=\"src\">: "
                                       "type=\"inptu\" — a Tensor's type is one of input, output, input_buffer"),
    (('format="BYXF"', 'format="NCHW"'), "format=\"NCHW\" — the formats are BFYX, BYXF, FYX, YXF, BF, ANY"),
    ((' port-index="0"/>', '/>'), "b.xml:7: CustomLayer 'MyReLU', kernel relu(): <Tensor arg-name=\"dst\">: "
                                  "needs port-index=\"N\""),
    (('size="X*F*2"', ''), "<Data arg-name=\"tmp\">: type=\"local_data\" takes size=\"…\""),
    (('size="X*F*2"', 'size="X*F*"'), "<Data arg-name=\"tmp\">: size: 'X*F*': expected a number, a name or '('"),
    (('global="(X+7)/8*8,max(Y,1),F"', 'global="(X+7/8"'),
     "b.xml:12: CustomLayer 'MyReLU', kernel relu(): <WorkSizes>: global=\"(X+7/8\" does not parse"),
    (('local="8,1,1"', 'local="8,1"'), "<WorkSizes>: global has 3 sizes and local 2 — give both the same number"),
    (('dim="output,0"', 'dim="out,0"'), "dim=\"out,0\" — write dim=\"input,N\" or dim=\"output,N\""),
    (('size=">=4"', 'size=">=four"'), "<Where size=\">=four\">: >= compares numbers, and 'four' is not one"),
    (('<Scalar arg-name="n"', '<Scalar arg-name="src"'), "argument 'src' is bound twice (also at line 6)"),
    (('</Parameters>', '</Parameters><Parameters/>'), "more than one <Parameters> in <CustomLayer>"),
    (('<Source filename="relu.cl"/></Kernel>', '<Source filename="relu.cl"/><WorkSizes global="X"/></Kernel>'),
     "both inside a <Kernel> and beside it — use one form"),
    (('</CustomLayers>', '<'), "b.xml:14: not well-formed XML"),
])
def test_mistakes_are_refused_with_file_line_and_fix(change, message):
    with pytest.raises(BindingError) as e:
        parse(DOCUMENTED.replace(*change))
    assert message in str(e.value)


def test_stages_must_be_numbered_without_gaps():
    with pytest.raises(BindingError, match=r"b.xml:2: CustomLayer 'MyMVN': its Kernels have stages \[1, 2\]"):
        parse(NESTED.replace('stage="0"', 'stage="2"'))
    with pytest.raises(BindingError, match=r"several <Kernel>s need stage=\"N\""):
        parse(NESTED.replace(' stage="0"', ""))


def test_bindings_read_from_a_file_travel_as_texts_and_read_again(tmp_path):
    (tmp_path / "kernels").mkdir()
    (tmp_path / "kernels" / "relu.cl").write_text(SOURCES["relu.cl"])
    xml = DOCUMENTED.replace('filename="relu.cl"', 'filename="kernels/relu.cl"')
    (tmp_path / "b.xml").write_text(xml)
    read = Bindings.read(tmp_path / "b.xml")
    assert set(read.files) == {"b.xml", "kernels/relu.cl"}
    again = Bindings.from_files(read.files, "b.xml")
    assert again.layers == read.layers and again.digest() == read.digest()
    with pytest.raises(BindingError, match="no such file"):
        Bindings.read(tmp_path / "missing.xml")
