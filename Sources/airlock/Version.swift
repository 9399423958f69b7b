/// The release version: `airlock --version`, and the name of `scripts/release`'s tarball (which reads it from here).
let airlockVersion = "0.1.0"
