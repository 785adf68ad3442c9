//! The load-time check of an expression's fact paths: every variable and field it names must
//! exist in the samples of the variables (built from the fact model), and the paths it reads are
//! recorded so a rule that reads an unknown fact is reported as `error`.

use std::collections::{BTreeMap, BTreeSet};

use cel::IdedExpr;
use serde_json::Value as Json;

use super::{FUNCTIONS, TYPE_NAMES};

/// Checks that every variable and field an expression names exists in the fact model, and
/// records the fact paths it reads. Returns the problems found.
pub fn check_paths(
    expr: &IdedExpr,
    samples: &BTreeMap<&'static str, Json>,
    locals: &BTreeSet<String>,
    reads: &mut BTreeSet<String>,
) -> Vec<String> {
    let mut checker = PathChecker {
        samples,
        locals,
        reads,
        problems: Vec::new(),
    };
    checker.shape(expr, &BTreeMap::new());
    checker.problems
}

/// What is known of an expression's value: a sample and the fact path it came from.
#[derive(Clone)]
enum Shape {
    Known(Json, String),
    Any,
}

struct PathChecker<'a> {
    samples: &'a BTreeMap<&'static str, Json>,
    locals: &'a BTreeSet<String>,
    reads: &'a mut BTreeSet<String>,
    problems: Vec<String>,
}

impl PathChecker<'_> {
    fn shape(&mut self, expr: &IdedExpr, scope: &BTreeMap<String, Shape>) -> Shape {
        self.shape_of(expr, scope, true)
    }

    /// The shape of `expr`. A variable or field is recorded as read only when `whole` (it is used
    /// as a whole, not just to select a field), so `cluster.name` does not depend on
    /// `cluster.istio`.
    fn shape_of(&mut self, expr: &IdedExpr, scope: &BTreeMap<String, Shape>, whole: bool) -> Shape {
        use cel::common::ast::Expr as E;
        match &expr.expr {
            E::Ident(name) => {
                if let Some(shape) = scope.get(name) {
                    return shape.clone();
                }
                if self.locals.contains(name) || TYPE_NAMES.contains(&name.as_str()) {
                    return Shape::Any;
                }
                if let Some(sample) = self.samples.get(name.as_str()) {
                    if whole {
                        self.reads.insert(name.clone());
                    }
                    return Shape::Known(sample.clone(), name.clone());
                }
                let known: Vec<&str> = self.samples.keys().copied().collect();
                self.problems.push(format!(
                    "unknown variable `{name}` (known here: {})",
                    known.join(", ")
                ));
                Shape::Any
            }
            E::Select(select) => {
                let base = self.shape_of(&select.operand, scope, false);
                let Shape::Known(sample, path) = base else {
                    return Shape::Any;
                };
                let field_path = format!("{path}.{}", select.field);
                match &sample {
                    Json::Object(fields) => match fields.get(&select.field) {
                        Some(value) => {
                            // Only the path used, not each prefix selected on the way: a rule
                            // reading `dr.primary.vip` does not depend on `dr.primary.etcd_port`.
                            if whole {
                                self.reads.insert(field_path.clone());
                            }
                            if select.test {
                                Shape::Any
                            } else {
                                Shape::Known(value.clone(), field_path)
                            }
                        }
                        None => {
                            let known: Vec<&str> = fields.keys().map(String::as_str).collect();
                            self.problems.push(format!(
                                "unknown fact `{field_path}` (fields of `{path}`: {})",
                                known.join(", ")
                            ));
                            Shape::Any
                        }
                    },
                    _ => {
                        self.problems.push(format!(
                            "`{path}` has no fields, so `{field_path}` does not exist"
                        ));
                        Shape::Any
                    }
                }
            }
            E::Comprehension(comprehension) => {
                let range = self.shape(&comprehension.iter_range, scope);
                let element = match range {
                    Shape::Known(Json::Array(items), path) => items
                        .first()
                        .map_or(Shape::Any, |first| Shape::Known(first.clone(), path)),
                    _ => Shape::Any,
                };
                self.shape(&comprehension.accu_init, scope);
                let mut inner = scope.clone();
                inner.insert(comprehension.iter_var.clone(), element);
                if let Some(second) = &comprehension.iter_var2 {
                    inner.insert(second.clone(), Shape::Any);
                }
                inner.insert(comprehension.accu_var.clone(), Shape::Any);
                self.shape(&comprehension.loop_cond, &inner);
                self.shape(&comprehension.loop_step, &inner);
                self.shape(&comprehension.result, &inner);
                Shape::Any
            }
            E::Call(call) => {
                let operator = call.func_name.starts_with(['_', '@', '!', '-']);
                if !operator && !FUNCTIONS.contains(&call.func_name.as_str()) {
                    self.problems.push(format!(
                        "unknown function `{}` (known: {})",
                        call.func_name,
                        FUNCTIONS.join(", ")
                    ));
                }
                let target = call.target.as_ref().map(|t| self.shape(t, scope));
                let args: Vec<Shape> = call.args.iter().map(|a| self.shape(a, scope)).collect();
                match (call.func_name.as_str(), target, args.first()) {
                    ("_[_]", None, Some(Shape::Known(Json::Array(items), path))) => {
                        items.first().map_or(Shape::Any, |first| {
                            Shape::Known(first.clone(), path.clone())
                        })
                    }
                    _ => Shape::Any,
                }
            }
            E::List(list) => {
                for element in &list.elements {
                    self.shape(element, scope);
                }
                Shape::Any
            }
            E::Map(map) => {
                for entry in &map.entries {
                    if let cel::common::ast::EntryExpr::MapEntry(entry) = &entry.expr {
                        self.shape(&entry.key, scope);
                        self.shape(&entry.value, scope);
                    }
                }
                Shape::Any
            }
            _ => Shape::Any,
        }
    }
}
