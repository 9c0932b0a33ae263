//! Function symbols (via `object`) and source lines (via `addr2line`) of the loaded ELF, for
//! fault reports and `rvscope disasm --function`.

use std::path::{Path, PathBuf};

use object::{Object, ObjectSymbol, SymbolKind};

/// A function symbol.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FunctionSymbol {
    /// Start address.
    pub addr: u32,
    /// Size in bytes (0 if the symbol table does not say).
    pub size: u32,
    /// Name.
    pub name: String,
}

/// The symbol table of an executable plus lazy access to its line table.
pub struct Symbols {
    functions: Vec<FunctionSymbol>,
    path: PathBuf,
    lines: Option<Option<addr2line::Loader>>,
}

impl Symbols {
    /// Reads the function symbols of the ELF at `path` (an ELF without symbols gives an empty
    /// table, not an error).
    pub fn load(path: &Path) -> Symbols {
        let functions = std::fs::read(path)
            .ok()
            .and_then(|bytes| {
                let file = object::File::parse(&*bytes).ok()?;
                let mut fs: Vec<FunctionSymbol> = file
                    .symbols()
                    .filter(|s| s.kind() == SymbolKind::Text && s.is_definition())
                    .filter_map(|s| {
                        Some(FunctionSymbol {
                            addr: s.address() as u32,
                            size: s.size() as u32,
                            name: s.name().ok()?.to_owned(),
                        })
                    })
                    .filter(|f| !f.name.is_empty())
                    .collect();
                fs.sort_by(|a, b| a.addr.cmp(&b.addr).then(b.size.cmp(&a.size)));
                fs.dedup_by_key(|f| f.addr);
                Some(fs)
            })
            .unwrap_or_default();
        Symbols {
            functions,
            path: path.to_owned(),
            lines: None,
        }
    }

    /// No symbols (for programs built in memory).
    pub fn none() -> Symbols {
        Symbols {
            functions: Vec::new(),
            path: PathBuf::new(),
            lines: Some(None),
        }
    }

    /// All function symbols, by address.
    pub fn functions(&self) -> &[FunctionSymbol] {
        &self.functions
    }

    /// The function containing `addr`, and the offset into it.
    pub fn function_at(&self, addr: u32) -> Option<(&FunctionSymbol, u32)> {
        let i = self.functions.partition_point(|f| f.addr <= addr);
        let f = self.functions.get(i.checked_sub(1)?)?;
        let off = addr - f.addr;
        // A symbol with no size claims everything up to the next symbol.
        (f.size == 0 || off < f.size).then_some((f, off))
    }

    /// The function named `name`.
    pub fn function_named(&self, name: &str) -> Option<&FunctionSymbol> {
        self.functions.iter().find(|f| f.name == name)
    }

    /// `file:line` of `addr` from the DWARF line table (file name without directories), if the
    /// ELF has debug information.
    pub fn source_line(&mut self, addr: u32) -> Option<String> {
        let loader = self
            .lines
            .get_or_insert_with(|| addr2line::Loader::new(&self.path).ok())
            .as_ref()?;
        let loc = loader.find_location(addr as u64).ok()??;
        let file = Path::new(loc.file?)
            .file_name()?
            .to_string_lossy()
            .into_owned();
        Some(match loc.line {
            Some(line) => format!("{file}:{line}"),
            None => file,
        })
    }
}
