//! The indicator series as SDMX: observations in SDMX-CSV 2.0 (the exchange format
//! of statistics offices and UN agencies), and the structure they follow as an
//! SDMX-ML 2.1 structure message (code lists, concepts, data structure definition,
//! dataflow), with the code lists also as plain CSV.
//!
//! Dimensions: INDICATOR, REF_AREA (`MA`, or `MA-01`…`MA-12` for the regional
//! breakdown), BREAKDOWN and MEMBER (`_T` for totals), TIME_PERIOD (`2024`,
//! `2025-Q2`, `2025-12`); measure OBS_VALUE; attribute UNIT_MEASURE.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use md2030_analytics::catalog::Catalog;
use md2030_analytics::results::Results;
use md2030_model::Lang;
use md2030_model::csv::formula_safe;

pub const AGENCY: &str = "MD2030";
pub const DATAFLOW: &str = "DF_MD2030";
pub const VERSION: &str = "1.0";
const TOTAL: &str = "_T";

/// One code: id and names in three languages.
#[derive(Debug, Clone)]
struct Code {
    id: String,
    names: [String; 3],
}

fn code(id: &str, fr: &str, ar: &str, en: &str) -> Code {
    Code { id: id.to_string(), names: [fr.to_string(), ar.to_string(), en.to_string()] }
}

/// The files of the SDMX export, by path relative to the export directory.
#[derive(Debug)]
pub struct Files {
    pub data_csv: Vec<u8>,
    pub structure_xml: Vec<u8>,
    pub codelists: Vec<(String, Vec<u8>)>,
}

use md2030_model::xml::escape as xml;

fn names_xml(out: &mut String, names: &[String; 3], indent: &str) {
    for (lang, name) in ["fr", "ar", "en"].iter().zip(names) {
        let _ = writeln!(out, "{indent}<com:Name xml:lang=\"{lang}\">{}</com:Name>", xml(name));
    }
}

fn reference(id: &str, class: &str, package: &str) -> String {
    format!(
        "<Ref id=\"{id}\" version=\"{VERSION}\" agencyID=\"{AGENCY}\" package=\"{package}\" class=\"{class}\"/>"
    )
}

fn concept_ref(id: &str) -> String {
    format!(
        "<Ref id=\"{id}\" maintainableParentID=\"CS_MD2030\" maintainableParentVersion=\"{VERSION}\" agencyID=\"{AGENCY}\" package=\"conceptscheme\" class=\"Concept\"/>"
    )
}

/// The observations, the code lists they use and the structure.
pub fn files(results: &Results, catalog: &Catalog, prepared: &str) -> crate::Result<Files> {
    let regions = md2030_model::reference::regions();
    let mut indicators: BTreeMap<String, Code> = BTreeMap::new();
    let mut areas: BTreeMap<String, Code> = BTreeMap::new();
    areas.insert("MA".into(), code("MA", "Maroc", "المغرب", "Morocco"));
    let mut breakdowns: BTreeMap<String, Code> = BTreeMap::new();
    breakdowns.insert(TOTAL.into(), code(TOTAL, "Total", "المجموع", "Total"));
    let mut members: BTreeMap<String, Code> = BTreeMap::new();
    members.insert(TOTAL.into(), code(TOTAL, "Total", "المجموع", "Total"));
    let mut units: BTreeMap<String, Code> = BTreeMap::new();

    let mut data = csv::Writer::from_writer(Vec::new());
    data.write_record([
        "STRUCTURE",
        "STRUCTURE_ID",
        "ACTION",
        "INDICATOR",
        "REF_AREA",
        "BREAKDOWN",
        "MEMBER",
        "TIME_PERIOD",
        "OBS_VALUE",
        "UNIT_MEASURE",
    ])?;
    let structure_id = format!("{AGENCY}:{DATAFLOW}({VERSION})");
    for (report, result) in results.rows() {
        let Some(def) = catalog.indicator(&report.id) else { continue };
        indicators.entry(def.id.clone()).or_insert_with(|| Code {
            id: def.id.clone(),
            names: [
                def.name.get(Lang::Fr).into(),
                def.name.get(Lang::Ar).into(),
                def.name.get(Lang::En).into(),
            ],
        });
        let unit = def.unit.clone();
        units.entry(unit.clone()).or_insert_with(|| code(&unit, &unit, &unit, &unit));
        let (area, breakdown, member) =
            match (result.breakdown.as_deref(), result.member.as_deref()) {
                (None, _) | (_, None) => ("MA".to_string(), TOTAL.to_string(), TOTAL.to_string()),
                (Some("region"), Some(region)) => {
                    let id = format!("MA-{region}");
                    let row = regions.row(region);
                    areas.entry(id.clone()).or_insert_with(|| Code {
                        id: id.clone(),
                        names: [Lang::Fr, Lang::Ar, Lang::En].map(|l| {
                            row.map(|r| r.name(l).to_string()).unwrap_or_else(|| id.clone())
                        }),
                    });
                    (id, TOTAL.to_string(), TOTAL.to_string())
                }
                (Some(dimension), Some(value)) => {
                    breakdowns
                        .entry(dimension.to_string())
                        .or_insert_with(|| code(dimension, dimension, dimension, dimension));
                    members
                        .entry(value.to_string())
                        .or_insert_with(|| code(value, value, value, value));
                    ("MA".to_string(), dimension.to_string(), value.to_string())
                }
            };
        for observation in &result.series {
            let row = [
                "dataflow",
                &structure_id,
                "I",
                &def.id,
                &area,
                &breakdown,
                &member,
                &observation.period,
                &observation.value.to_string(),
                &unit,
            ];
            data.write_record(row.map(|c| formula_safe(c).into_owned()))?;
        }
    }
    let data_csv = data.into_inner().map_err(|e| ::csv::Error::from(e.into_error()))?;

    let lists: [CodeList<'_>; 5] = [
        ("CL_INDICATOR", "Maroc Digital 2030 indicators", &indicators),
        ("CL_AREA", "Reference areas: Morocco and its 12 regions", &areas),
        ("CL_BREAKDOWN", "Breakdown dimensions", &breakdowns),
        ("CL_MEMBER", "Breakdown members", &members),
        ("CL_UNIT", "Units of measure", &units),
    ];
    let (xml_out, codelists) = structure_message(lists, prepared)?;
    Ok(Files { data_csv, structure_xml: xml_out.into_bytes(), codelists })
}

/// A file's path inside the export and its bytes.
type NamedFile = (String, Vec<u8>);

/// A code list: its id, its English title and its codes.
type CodeList<'a> = (&'a str, &'a str, &'a BTreeMap<String, Code>);

/// The SDMX-ML 2.1 structure message (dataflow, code lists, concepts, data
/// structure definition) and each code list as CSV.
fn structure_message(
    lists: [CodeList<'_>; 5],
    prepared: &str,
) -> crate::Result<(String, Vec<NamedFile>)> {
    let mut codelists = Vec::new();
    let mut xml_out = String::new();
    let _ = writeln!(xml_out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>");
    let _ = writeln!(
        xml_out,
        "<mes:Structure xmlns:mes=\"http://www.sdmx.org/resources/sdmxml/schemas/v2_1/message\" xmlns:str=\"http://www.sdmx.org/resources/sdmxml/schemas/v2_1/structure\" xmlns:com=\"http://www.sdmx.org/resources/sdmxml/schemas/v2_1/common\">"
    );
    let _ = writeln!(
        xml_out,
        "  <mes:Header>\n    <mes:ID>MD2030_STRUCTURE</mes:ID>\n    <mes:Test>false</mes:Test>\n    <mes:Prepared>{prepared}</mes:Prepared>\n    <mes:Sender id=\"{AGENCY}\"/>\n  </mes:Header>\n  <mes:Structures>"
    );
    let _ = writeln!(
        xml_out,
        "    <str:Dataflows>\n      <str:Dataflow id=\"{DATAFLOW}\" agencyID=\"{AGENCY}\" version=\"{VERSION}\">"
    );
    names_xml(
        &mut xml_out,
        &[
            "Indicateurs Maroc Digital 2030".into(),
            "مؤشرات المغرب الرقمي 2030".into(),
            "Maroc Digital 2030 indicators".into(),
        ],
        "        ",
    );
    let _ = writeln!(
        xml_out,
        "        <str:Structure>{}</str:Structure>\n      </str:Dataflow>\n    </str:Dataflows>\n    <str:Codelists>",
        reference("DSD_MD2030", "DataStructure", "datastructure")
    );
    for (id, title, codes) in lists {
        let _ = writeln!(
            xml_out,
            "      <str:Codelist id=\"{id}\" agencyID=\"{AGENCY}\" version=\"{VERSION}\">"
        );
        let _ = writeln!(xml_out, "        <com:Name xml:lang=\"en\">{}</com:Name>", xml(title));
        let mut list = csv::Writer::from_writer(Vec::new());
        list.write_record(["id", "name_fr", "name_ar", "name_en"])?;
        for c in codes.values() {
            let _ = writeln!(xml_out, "        <str:Code id=\"{}\">", xml(&c.id));
            names_xml(&mut xml_out, &c.names, "          ");
            let _ = writeln!(xml_out, "        </str:Code>");
            list.write_record(
                [&c.id, &c.names[0], &c.names[1], &c.names[2]]
                    .map(|c| formula_safe(c).into_owned()),
            )?;
        }
        let _ = writeln!(xml_out, "      </str:Codelist>");
        codelists.push((
            format!("sdmx/codelists/{id}.csv"),
            list.into_inner().map_err(|e| ::csv::Error::from(e.into_error()))?,
        ));
    }
    let concepts = [
        ("INDICATOR", "Indicator"),
        ("REF_AREA", "Reference area"),
        ("BREAKDOWN", "Breakdown dimension"),
        ("MEMBER", "Breakdown member"),
        ("TIME_PERIOD", "Time period"),
        ("OBS_VALUE", "Observation value"),
        ("UNIT_MEASURE", "Unit of measure"),
    ];
    let _ = writeln!(
        xml_out,
        "    </str:Codelists>\n    <str:Concepts>\n      <str:ConceptScheme id=\"CS_MD2030\" agencyID=\"{AGENCY}\" version=\"{VERSION}\">\n        <com:Name xml:lang=\"en\">Maroc Digital 2030 concepts</com:Name>"
    );
    for (id, name) in concepts {
        let _ = writeln!(
            xml_out,
            "        <str:Concept id=\"{id}\">\n          <com:Name xml:lang=\"en\">{name}</com:Name>\n        </str:Concept>"
        );
    }
    let _ = writeln!(
        xml_out,
        "      </str:ConceptScheme>\n    </str:Concepts>\n    <str:DataStructures>\n      <str:DataStructure id=\"DSD_MD2030\" agencyID=\"{AGENCY}\" version=\"{VERSION}\">\n        <com:Name xml:lang=\"en\">Maroc Digital 2030 indicator series</com:Name>\n        <str:DataStructureComponents>\n          <str:DimensionList id=\"DimensionDescriptor\">"
    );
    for (position, (id, list)) in [
        ("INDICATOR", "CL_INDICATOR"),
        ("REF_AREA", "CL_AREA"),
        ("BREAKDOWN", "CL_BREAKDOWN"),
        ("MEMBER", "CL_MEMBER"),
    ]
    .iter()
    .enumerate()
    {
        let _ = writeln!(
            xml_out,
            "            <str:Dimension id=\"{id}\" position=\"{}\">\n              <str:ConceptIdentity>{}</str:ConceptIdentity>\n              <str:LocalRepresentation><str:Enumeration>{}</str:Enumeration></str:LocalRepresentation>\n            </str:Dimension>",
            position + 1,
            concept_ref(id),
            reference(list, "Codelist", "codelist")
        );
    }
    let _ = writeln!(
        xml_out,
        "            <str:TimeDimension id=\"TIME_PERIOD\" position=\"5\">\n              <str:ConceptIdentity>{}</str:ConceptIdentity>\n              <str:LocalRepresentation><str:TextFormat textType=\"ObservationalTimePeriod\"/></str:LocalRepresentation>\n            </str:TimeDimension>\n          </str:DimensionList>\n          <str:AttributeList id=\"AttributeDescriptor\">\n            <str:Attribute id=\"UNIT_MEASURE\" assignmentStatus=\"Mandatory\">\n              <str:ConceptIdentity>{}</str:ConceptIdentity>\n              <str:LocalRepresentation><str:Enumeration>{}</str:Enumeration></str:LocalRepresentation>\n              <str:AttributeRelationship><str:PrimaryMeasure><Ref id=\"OBS_VALUE\"/></str:PrimaryMeasure></str:AttributeRelationship>\n            </str:Attribute>\n          </str:AttributeList>\n          <str:MeasureList id=\"MeasureDescriptor\">\n            <str:PrimaryMeasure id=\"OBS_VALUE\">\n              <str:ConceptIdentity>{}</str:ConceptIdentity>\n            </str:PrimaryMeasure>\n          </str:MeasureList>\n        </str:DataStructureComponents>\n      </str:DataStructure>\n    </str:DataStructures>\n  </mes:Structures>\n</mes:Structure>",
        concept_ref("TIME_PERIOD"),
        concept_ref("UNIT_MEASURE"),
        reference("CL_UNIT", "Codelist", "codelist"),
        concept_ref("OBS_VALUE")
    );
    Ok((xml_out, codelists))
}
