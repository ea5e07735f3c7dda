#!/usr/bin/env bash
# Builds the Ordinance NuGet package: the class library (xbuild, Release)
# and the native library (cargo, release), packed with `nuget pack`.
#
#   bash dotnet/pack.sh [OUT_DIR]        # default target/dotnet/feed
#
# Needs mono-xbuild, mono-devel (reference assemblies) and nuget (Debian
# packages; installed with apt-get when missing and root) and cargo.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT="$(pwd)"
. "$ROOT/scripts/lib/common.sh"
OUT="${1:-$ROOT/target/dotnet/feed}"
VERSION="$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -n 1)"

need=()
command -v xbuild >/dev/null || need+=(mono-xbuild)
[ -d /usr/lib/mono/4.5-api ] || need+=(mono-devel)
command -v nuget >/dev/null || need+=(nuget)
install_debian_packages "building the .NET package" "${need[@]}"

cargo build --quiet --release -p ordinance-ffi
mkdir -p dotnet/Ordinance/bin/native
cp target/release/libordinance.so dotnet/Ordinance/bin/native/libordinance.so

(cd dotnet/Ordinance && xbuild /nologo /verbosity:minimal /p:Configuration=Release Ordinance.csproj)
mkdir -p "$OUT"
# nuget keeps a cache in $HOME; give it one inside target/ so the build leaves nothing behind
export HOME="$ROOT/target/dotnet/home"
mkdir -p "$HOME"
nuget pack dotnet/Ordinance/Ordinance.nuspec -BasePath dotnet/Ordinance -OutputDirectory "$OUT" \
    -Properties "version=$VERSION" -NonInteractive -Verbosity quiet
ls "$OUT"/Ordinance."$VERSION".nupkg
