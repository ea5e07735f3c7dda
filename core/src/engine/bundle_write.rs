//! Writing a rule-set bundle: the packs of a folder, loaded and checked by
//! the engine, with the source texts they cite (reading bundles is
//! [`crate::pack::bundle`]'s, below the façade).

use crate::error::LoadError;
use crate::pack::bundle::{normalise, Bundle};
use crate::pack::loader;
use crate::source::model::PackFile;
use crate::source::yaml;
use std::collections::BTreeMap;
use std::path::Path;

impl Bundle {
    /// Bundles a rules folder: it is loaded first (a folder that does not
    /// load is not bundled), then its packs and every source text they
    /// cite are taken as read.
    ///
    /// # Errors
    /// Every load error of the folder.
    pub fn from_dir(dir: &Path, options: &crate::engine::LoadOptions) -> Result<Bundle, LoadError> {
        let engine = crate::engine::Engine::load_dir_with(dir, options.clone())?;
        let ruleset = engine.ruleset_hash();
        let packs = loader::pack_files(dir)?;
        let confine = crate::source::files::Confinement::new(dir, &options.shared_sources);
        let mut files = BTreeMap::new();
        for p in &packs {
            let name = p.path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
            if let Ok(pf) = serde_saphyr::from_str_with_options::<PackFile>(&p.text, yaml::options()) {
                if let Some(t) = &pf.source.text {
                    let shown = p.path.display().to_string();
                    let key =
                        normalise(&t.text).map_err(|m| LoadError::single(&shown, t.pos.line, t.pos.column, m, None))?;
                    let canon = confine
                        .resolve(dir, &t.text, "source text")
                        .map_err(|e| LoadError::single(&shown, t.pos.line, t.pos.column, e.message, e.help))?;
                    let text = confine
                        .read_text(&canon, &t.text, "source text", loader::MAX_SOURCE_TEXT_BYTES)
                        .map_err(|e| LoadError::single(&shown, t.pos.line, t.pos.column, e.message, e.help))?;
                    files.insert(key, text);
                }
            }
            files.insert(name, p.text.clone());
        }
        Ok(Bundle { ruleset, files })
    }
}
