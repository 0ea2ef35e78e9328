//! `config = hf("config.json")` in a model: the model a Hugging Face config describes
//! (`crate::hf`, which `load` gave the file's text to), with the block's own fields laid
//! over it by `lower::model`. Problems name the config's key.

use super::error::CheckError;
use super::fields::{Checked, FieldChecker};
use crate::syntax::ast::Call;

impl FieldChecker<'_> {
    pub(super) fn model_config(&mut self, call: &Call) -> Option<Checked> {
        let (path, span) = self.file_argument(call, "hf", "`hf(\"config.json\")`")?;
        let (text, _) = self.data_text(&path, span)?;
        match crate::hf::model_from_config("config", &text, None, span) {
            Ok(read) => Some(Checked::ModelConfig { value: Box::new(read.model), span }),
            Err(problems) => {
                for problem in problems {
                    self.errors.push(CheckError::ModelConfig {
                        path: path.clone(),
                        problem: problem.message(),
                        span,
                    });
                }
                None
            }
        }
    }
}
