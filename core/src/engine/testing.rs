//! `ordinance test` over a folder in which some packs do not load: the
//! packs that load have their tests run; each pack that does not is one
//! failed outcome, with its errors, so one broken pack no longer hides the
//! tests of every other.

use super::{Engine, LoadOptions, Origin, TestReport};
use crate::error::{Diagnostic, LoadError};
use crate::pack::loader::{self, SourceFile};
use crate::run::outcome::TestOutcome;
use std::path::Path;
use std::sync::{Arc, RwLock};

/// The most errors a broken pack's outcome quotes.
const QUOTED_ERRORS: usize = 5;

impl Engine {
    /// Runs the tests of every pack in `dir` that loads, after setting aside
    /// the packs with errors (and then the packs that fail only because
    /// they lean on those); each pack set aside is a failed outcome naming
    /// its errors.
    ///
    /// # Errors
    /// When the problem is not in a pack of the folder (the folder cannot
    /// be read, a reform is broken, it is a bundle): nothing can be tested.
    pub fn test_dir_with(dir: &Path, options: LoadOptions) -> Result<TestReport, LoadError> {
        let first = match Engine::load_dir_with(dir, options.clone()) {
            Ok(engine) => return Ok(engine.run_tests()),
            Err(e) => e,
        };
        if crate::pack::bundle::is_bundle_path(dir) {
            return Err(first);
        }
        let mut reforms = Vec::new();
        for p in &options.reforms {
            reforms.push(SourceFile { path: p.clone(), text: loader::read_limited(p)? });
        }
        let folders = loader::SourceFolders {
            root: Some(dir.to_path_buf()),
            shared_sources: options.shared_sources.clone(),
            bundle: None,
        };
        let mut files = loader::pack_files(dir)?;
        let mut broken: Vec<(String, Vec<Diagnostic>)> = Vec::new();
        let mut err = first;
        let loaded = loop {
            let before = files.len();
            files.retain(|f| {
                let name = f.path.display().to_string();
                let own: Vec<Diagnostic> = err.diagnostics.iter().filter(|d| d.file == name).cloned().collect();
                if own.is_empty() {
                    return true;
                }
                broken.push((name, own));
                false
            });
            // an error outside the folder's packs: nothing to set aside
            if files.len() == before {
                return Err(err);
            }
            if files.is_empty() {
                break None;
            }
            match loader::load_reformed(&files, &reforms, &folders) {
                Ok(rs) => break Some(rs),
                Err(e) => err = e,
            }
        };
        let mut report = TestReport::default();
        for (file, diags) in &broken {
            let mut message: Vec<String> = diags.iter().take(QUOTED_ERRORS).map(ToString::to_string).collect();
            if diags.len() > QUOTED_ERRORS {
                message.push(format!("(and {} more error(s))", diags.len() - QUOTED_ERRORS));
            }
            message.push("its tests were not run".into());
            report.outcomes.push(TestOutcome {
                name: "the pack loads".into(),
                rule: String::new(),
                location: file.clone(),
                passed: false,
                message: Some(message.join("\n")),
            });
        }
        if let Some(rs) = loaded {
            let paths = files.iter().map(|f| f.path.clone()).collect();
            let engine = Engine { origin: Origin::Files(paths), options, current: RwLock::new(Arc::new(rs)) };
            report.outcomes.extend(engine.run_tests().outcomes);
        }
        Ok(report)
    }
}
