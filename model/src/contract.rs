//! Dataset contracts: what a ministry must submit for each dataset.
//!
//! A contract is a Frictionless Table Schema (`fields`, `primaryKey`, `foreignKeys`,
//! `missingValues`, constraints) with md2030's own keys beside it: names and
//! descriptions in three languages, the producer, the update cadence, accepted
//! heading aliases, enum labels and aliases, the partition key (which part of the
//! stored data a new file replaces) and cross-field rules. The JSON files in
//! `data/schemas/` are compiled in.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use regex::Regex;
use serde::{Deserialize, Serialize};

use crate::lang::I18n;
use crate::normalize::fold;
use crate::{Error, Result};

/// The contracts compiled into the binary, in the order the catalogue lists them.
const CONTRACT_SOURCES: [(&str, &str); 18] = [
    ("procedures", include_str!("../../data/schemas/procedures.schema.json")),
    ("service_transactions", include_str!("../../data/schemas/service_transactions.schema.json")),
    ("platforms", include_str!("../../data/schemas/platforms.schema.json")),
    ("offshoring", include_str!("../../data/schemas/offshoring.schema.json")),
    ("sme_survey", include_str!("../../data/schemas/sme_survey.schema.json")),
    ("startups", include_str!("../../data/schemas/startups.schema.json")),
    ("startup_funding", include_str!("../../data/schemas/startup_funding.schema.json")),
    ("talent", include_str!("../../data/schemas/talent.schema.json")),
    ("connectivity", include_str!("../../data/schemas/connectivity.schema.json")),
    (
        "civil_servant_training",
        include_str!("../../data/schemas/civil_servant_training.schema.json"),
    ),
    ("add_shared_systems", include_str!("../../data/schemas/add_shared_systems.schema.json")),
    ("ambassadors", include_str!("../../data/schemas/ambassadors.schema.json")),
    ("un_egdi", include_str!("../../data/schemas/un_egdi.schema.json")),
    ("wb_wdi", include_str!("../../data/schemas/wb_wdi.schema.json")),
    ("itu_datahub", include_str!("../../data/schemas/itu_datahub.schema.json")),
    ("hcp_regions", include_str!("../../data/schemas/hcp_regions.schema.json")),
    ("hcp_household_ict", include_str!("../../data/schemas/hcp_household_ict.schema.json")),
    ("region_boundaries", include_str!("../../data/schemas/region_boundaries.schema.json")),
];

/// The dataset of region outlines, read from GeoJSON or TopoJSON (one row per vertex).
pub const BOUNDARIES: &str = "region_boundaries";

/// Every compiled-in contract. Panics only if a committed contract is invalid, which
/// the `every_contract_loads` test rules out.
pub fn contracts() -> &'static [Contract] {
    static CONTRACTS: OnceLock<Vec<Contract>> = OnceLock::new();
    CONTRACTS.get_or_init(|| {
        CONTRACT_SOURCES
            .iter()
            .map(|(name, json)| match Contract::from_json(json) {
                Ok(contract) if contract.name == *name => contract,
                Ok(contract) => panic!("contract file {name} declares name {}", contract.name),
                Err(err) => panic!("{err}"),
            })
            .collect()
    })
}

pub fn find_contract(name: &str) -> Option<&'static Contract> {
    contracts().iter().find(|c| c.name == name)
}

/// Who publishes a dataset: a ministry submitting through md2030, or an external
/// publisher whose own file format a connector reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DatasetKind {
    Ministry,
    External,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Cadence {
    Monthly,
    Quarterly,
    Annual,
    Biennial,
    Decennial,
    Irregular,
}

impl Cadence {
    pub fn as_str(self) -> &'static str {
        match self {
            Cadence::Monthly => "monthly",
            Cadence::Quarterly => "quarterly",
            Cadence::Annual => "annual",
            Cadence::Biennial => "biennial",
            Cadence::Decennial => "decennial",
            Cadence::Irregular => "irregular",
        }
    }
}

/// Frictionless field types md2030 accepts, plus `quarter` (a string field with
/// `periodKind: quarter`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FieldType {
    String,
    Integer,
    Number,
    Boolean,
    Date,
    Year,
    Yearmonth,
    Quarter,
}

impl FieldType {
    pub fn as_str(self) -> &'static str {
        match self {
            FieldType::String => "string",
            FieldType::Integer => "integer",
            FieldType::Number => "number",
            FieldType::Boolean => "boolean",
            FieldType::Date => "date",
            FieldType::Year => "year",
            FieldType::Yearmonth => "yearmonth",
            FieldType::Quarter => "quarter",
        }
    }
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct ConstraintsDescriptor {
    #[serde(default)]
    required: bool,
    #[serde(default)]
    unique: bool,
    minimum: Option<f64>,
    maximum: Option<f64>,
    min_length: Option<usize>,
    max_length: Option<usize>,
    pattern: Option<String>,
    #[serde(rename = "enum")]
    enum_values: Option<Vec<String>>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct FieldDescriptor {
    name: String,
    #[serde(rename = "type")]
    field_type: String,
    title: String,
    description: String,
    titles: I18n,
    descriptions: I18n,
    #[serde(default)]
    constraints: ConstraintsDescriptor,
    #[serde(default)]
    aliases: Vec<String>,
    #[serde(default)]
    enum_labels: BTreeMap<String, I18n>,
    #[serde(default)]
    enum_aliases: BTreeMap<String, String>,
    #[serde(default)]
    true_values: Vec<String>,
    #[serde(default)]
    false_values: Vec<String>,
    period_kind: Option<String>,
    unit: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
struct ForeignKeyReference {
    resource: String,
    fields: String,
}

#[derive(Debug, Clone, Deserialize)]
struct ForeignKeyDescriptor {
    fields: String,
    reference: ForeignKeyReference,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleDescriptor {
    field: String,
    op: String,
    other: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct ContractDescriptor {
    name: String,
    title: String,
    description: String,
    titles: I18n,
    descriptions: I18n,
    contract_version: String,
    producer: String,
    kind: DatasetKind,
    cadence: Cadence,
    cadence_days: Option<u32>,
    connector: Option<String>,
    notes: Option<String>,
    missing_values: Vec<String>,
    fields: Vec<FieldDescriptor>,
    primary_key: Vec<String>,
    #[serde(default)]
    foreign_keys: Vec<ForeignKeyDescriptor>,
    #[serde(default)]
    partition_key: Vec<String>,
    #[serde(default)]
    rules: Vec<RuleDescriptor>,
}

/// One column of a dataset with every constraint its values must meet.
#[derive(Debug, Clone)]
pub struct Field {
    pub name: String,
    pub field_type: FieldType,
    pub titles: I18n,
    pub descriptions: I18n,
    pub required: bool,
    pub unique: bool,
    pub minimum: Option<f64>,
    pub maximum: Option<f64>,
    pub min_length: Option<usize>,
    pub max_length: Option<usize>,
    /// The Table Schema pattern, anchored at both ends.
    pub pattern: Option<Regex>,
    pub pattern_source: Option<String>,
    /// Allowed codes, in the contract's order.
    pub enum_values: Option<Vec<String>>,
    pub enum_labels: BTreeMap<String, I18n>,
    /// Folded spelling -> canonical code: codes, their labels in three languages and
    /// the contract's explicit enum aliases.
    pub enum_lookup: BTreeMap<String, String>,
    pub true_values: Vec<String>,
    pub false_values: Vec<String>,
    pub unit: Option<String>,
    /// Accepted headings (the name, the titles and the aliases), folded.
    pub heading_keys: Vec<String>,
    /// Accepted headings as written in the contract, for messages and templates.
    pub aliases: Vec<String>,
}

/// A link from a field to a reference table or to another dataset's key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ForeignKey {
    pub field: String,
    pub resource: String,
    pub resource_field: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CompareOp {
    LessOrEqual,
    GreaterOrEqual,
}

impl CompareOp {
    pub fn symbol(self) -> &'static str {
        match self {
            CompareOp::LessOrEqual => "<=",
            CompareOp::GreaterOrEqual => ">=",
        }
    }
}

/// A rule between two numeric fields of one row, such as `trained_women <= trained`.
#[derive(Debug, Clone)]
pub struct RowRule {
    pub field: String,
    pub op: CompareOp,
    pub other: String,
}

/// A dataset contract, checked for consistency when loaded.
#[derive(Debug, Clone)]
pub struct Contract {
    pub name: String,
    pub titles: I18n,
    pub descriptions: I18n,
    pub contract_version: String,
    pub producer: String,
    pub kind: DatasetKind,
    pub cadence: Cadence,
    pub cadence_days: Option<u32>,
    pub connector: Option<String>,
    pub notes: Option<String>,
    pub missing_values: Vec<String>,
    pub fields: Vec<Field>,
    pub primary_key: Vec<String>,
    pub foreign_keys: Vec<ForeignKey>,
    pub partition_key: Vec<String>,
    pub rules: Vec<RowRule>,
    /// The JSON the contract was loaded from, as committed (for exports and templates).
    pub source_json: String,
}

impl Contract {
    pub fn from_json(json: &str) -> Result<Contract> {
        let descriptor: ContractDescriptor = serde_json::from_str(json)
            .map_err(|err| Error::BadContract { name: "?".into(), message: err.to_string() })?;
        let name = descriptor.name.clone();
        let bad = |message: String| Error::BadContract { name: name.clone(), message };
        if descriptor.title != descriptor.titles.en
            || descriptor.description != descriptor.descriptions.en
        {
            return Err(bad(
                "title and description must equal the English titles and descriptions".into(),
            ));
        }
        if !descriptor.titles.is_complete() || !descriptor.descriptions.is_complete() {
            return Err(bad("titles and descriptions need fr, ar and en".into()));
        }
        let mut fields = Vec::with_capacity(descriptor.fields.len());
        for field in &descriptor.fields {
            fields.push(
                build_field(field)
                    .map_err(|message| bad(format!("field {}: {message}", field.name)))?,
            );
        }
        let has_field = |field_name: &str| fields.iter().any(|f: &Field| f.name == field_name);
        for key in descriptor.primary_key.iter().chain(&descriptor.partition_key) {
            if !has_field(key) {
                return Err(bad(format!("key field {key} is not a field")));
            }
        }
        for key in &descriptor.partition_key {
            if !descriptor.primary_key.contains(key) {
                return Err(bad(format!("partition field {key} must be part of the primary key")));
            }
        }
        let mut seen_headings: BTreeMap<&str, &str> = BTreeMap::new();
        for field in &fields {
            for key in &field.heading_keys {
                if let Some(other) = seen_headings.insert(key, &field.name)
                    && other != field.name
                {
                    return Err(bad(format!(
                        "heading {key:?} is accepted by both {other} and {}",
                        field.name
                    )));
                }
            }
        }
        let foreign_keys = descriptor
            .foreign_keys
            .iter()
            .map(|fk| ForeignKey {
                field: fk.fields.clone(),
                resource: fk.reference.resource.clone(),
                resource_field: fk.reference.fields.clone(),
            })
            .collect::<Vec<_>>();
        for fk in &foreign_keys {
            if !has_field(&fk.field) {
                return Err(bad(format!("foreign key field {} is not a field", fk.field)));
            }
        }
        let mut rules = Vec::new();
        for rule in &descriptor.rules {
            let op = match rule.op.as_str() {
                "<=" => CompareOp::LessOrEqual,
                ">=" => CompareOp::GreaterOrEqual,
                other => return Err(bad(format!("unknown rule operator {other}"))),
            };
            for f in [&rule.field, &rule.other] {
                if !has_field(f) {
                    return Err(bad(format!("rule field {f} is not a field")));
                }
            }
            rules.push(RowRule { field: rule.field.clone(), op, other: rule.other.clone() });
        }
        Ok(Contract {
            name: descriptor.name,
            titles: descriptor.titles,
            descriptions: descriptor.descriptions,
            contract_version: descriptor.contract_version,
            producer: descriptor.producer,
            kind: descriptor.kind,
            cadence: descriptor.cadence,
            cadence_days: descriptor.cadence_days,
            connector: descriptor.connector,
            notes: descriptor.notes,
            missing_values: descriptor.missing_values,
            fields,
            primary_key: descriptor.primary_key,
            foreign_keys,
            partition_key: descriptor.partition_key,
            rules,
            source_json: json.to_string(),
        })
    }

    pub fn field(&self, name: &str) -> Option<&Field> {
        self.fields.iter().find(|f| f.name == name)
    }

    pub fn field_index(&self, name: &str) -> Option<usize> {
        self.fields.iter().position(|f| f.name == name)
    }

    /// The field a heading written by a ministry stands for, if any.
    pub fn field_for_heading(&self, heading: &str) -> Option<usize> {
        let key = fold(heading);
        if key.is_empty() {
            return None;
        }
        self.fields.iter().position(|f| f.heading_keys.contains(&key))
    }

    pub fn foreign_key_for(&self, field_name: &str) -> Option<&ForeignKey> {
        self.foreign_keys.iter().find(|fk| fk.field == field_name)
    }
}

fn build_field(descriptor: &FieldDescriptor) -> std::result::Result<Field, String> {
    let field_type = match (descriptor.field_type.as_str(), descriptor.period_kind.as_deref()) {
        ("string", Some("quarter")) => FieldType::Quarter,
        (_, Some(other)) => return Err(format!("unknown periodKind {other}")),
        ("string", None) => FieldType::String,
        ("integer", None) => FieldType::Integer,
        ("number", None) => FieldType::Number,
        ("boolean", None) => FieldType::Boolean,
        ("date", None) => FieldType::Date,
        ("year", None) => FieldType::Year,
        ("yearmonth", None) => FieldType::Yearmonth,
        (other, None) => return Err(format!("unsupported type {other}")),
    };
    if descriptor.title != descriptor.titles.en
        || descriptor.description != descriptor.descriptions.en
    {
        return Err("title and description must equal the English titles and descriptions".into());
    }
    if !descriptor.titles.is_complete() || !descriptor.descriptions.is_complete() {
        return Err("titles and descriptions need fr, ar and en".into());
    }
    let constraints = &descriptor.constraints;
    let pattern = match &constraints.pattern {
        Some(source) => Some(
            Regex::new(&format!("^(?:{source})$")).map_err(|err| format!("bad pattern: {err}"))?,
        ),
        None => None,
    };
    let mut enum_lookup = BTreeMap::new();
    if let Some(values) = &constraints.enum_values {
        for value in values {
            enum_lookup.insert(fold(value), value.clone());
            if let Some(labels) = descriptor.enum_labels.get(value) {
                for label in labels.all() {
                    enum_lookup.entry(fold(label)).or_insert_with(|| value.clone());
                }
            }
        }
        for (alias, value) in &descriptor.enum_aliases {
            if !values.contains(value) {
                return Err(format!("enum alias {alias} points to unknown value {value}"));
            }
            enum_lookup.insert(fold(alias), value.clone());
        }
        for value in descriptor.enum_labels.keys() {
            if !values.contains(value) {
                return Err(format!("enum label for unknown value {value}"));
            }
        }
    }
    if field_type == FieldType::Boolean
        && (descriptor.true_values.is_empty() || descriptor.false_values.is_empty())
    {
        return Err("boolean fields need trueValues and falseValues".into());
    }
    let mut heading_keys = Vec::new();
    let mut aliases = Vec::new();
    for heading in [descriptor.name.as_str()]
        .into_iter()
        .chain(descriptor.titles.all())
        .chain(descriptor.aliases.iter().map(String::as_str))
    {
        let key = fold(heading);
        if !key.is_empty() && !heading_keys.contains(&key) {
            heading_keys.push(key);
            aliases.push(heading.to_string());
        }
    }
    Ok(Field {
        name: descriptor.name.clone(),
        field_type,
        titles: descriptor.titles.clone(),
        descriptions: descriptor.descriptions.clone(),
        required: constraints.required,
        unique: constraints.unique,
        minimum: constraints.minimum,
        maximum: constraints.maximum,
        min_length: constraints.min_length,
        max_length: constraints.max_length,
        pattern,
        pattern_source: constraints.pattern.clone(),
        enum_values: constraints.enum_values.clone(),
        enum_labels: descriptor.enum_labels.clone(),
        enum_lookup,
        true_values: descriptor.true_values.iter().map(|v| fold(v)).collect(),
        false_values: descriptor.false_values.iter().map(|v| fold(v)).collect(),
        unit: descriptor.unit.clone(),
        heading_keys,
        aliases,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_contract_loads() {
        let names: Vec<&str> = contracts().iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names.len(), 18);
        assert!(names.contains(&"service_transactions"));
    }

    #[test]
    fn headings_match_french_and_arabic_aliases() {
        let contract = find_contract("procedures").unwrap();
        let maturity = contract.field_index("maturity_level").unwrap();
        assert_eq!(contract.field_for_heading("Niveau de maturité"), Some(maturity));
        assert_eq!(contract.field_for_heading("مستوى النضج"), Some(maturity));
        assert_eq!(contract.field_for_heading(" MATURITY_LEVEL "), Some(maturity));
        assert_eq!(contract.field_for_heading("colonne inconnue"), None);
    }

    #[test]
    fn enum_lookup_accepts_labels_in_three_languages() {
        let field = find_contract("service_transactions").unwrap().field("channel").unwrap();
        assert_eq!(field.enum_lookup.get(&fold("Guichet")).map(String::as_str), Some("counter"));
        assert_eq!(field.enum_lookup.get(&fold("عبر الإنترنت")).map(String::as_str), Some("online"));
        assert_eq!(
            field.enum_lookup.get(&fold("Numérique assisté")).map(String::as_str),
            Some("assisted_digital")
        );
    }

    #[test]
    fn partition_key_outside_primary_key_is_refused() {
        let json = find_contract("talent").unwrap().source_json.replace(
            "\"partitionKey\": [\n    \"year\"\n  ]",
            "\"partitionKey\": [\n    \"trained\"\n  ]",
        );
        let err = Contract::from_json(&json).unwrap_err().to_string();
        assert!(err.contains("partition field trained must be part of the primary key"), "{err}");
    }
}
