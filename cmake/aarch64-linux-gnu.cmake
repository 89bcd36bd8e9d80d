# Cross-building for AArch64 on Debian against the arm64 packages of multiarch
# (scripts/bootstrap --arm64 installs them); tests run under qemu-aarch64 (qemu-user).
#   cmake -S . -B build-arm64 -DCMAKE_TOOLCHAIN_FILE=cmake/aarch64-linux-gnu.cmake
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)
set(CMAKE_C_COMPILER aarch64-linux-gnu-gcc)
set(CMAKE_CXX_COMPILER aarch64-linux-gnu-g++)
set(CMAKE_LIBRARY_ARCHITECTURE aarch64-linux-gnu)
# Multiarch: arm64 libraries in /usr/lib/aarch64-linux-gnu, headers shared in /usr/include.
# The few arm64 packages that cannot be installed beside their amd64 selves (criterion,
# xgboost: not Multi-Arch: same) are unpacked into a sysroot by scripts/cross-arm64.
set(PP_ARM64_SYSROOT /opt/powprint-arm64-sysroot)
set(CMAKE_FIND_ROOT_PATH /usr/aarch64-linux-gnu /usr ${PP_ARM64_SYSROOT})
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)
set(ENV{PKG_CONFIG_LIBDIR} /usr/lib/aarch64-linux-gnu/pkgconfig:/usr/share/pkgconfig:${PP_ARM64_SYSROOT}/usr/lib/aarch64-linux-gnu/pkgconfig)
set(CMAKE_EXE_LINKER_FLAGS_INIT "-L${PP_ARM64_SYSROOT}/usr/lib/aarch64-linux-gnu -Wl,-rpath-link,${PP_ARM64_SYSROOT}/usr/lib/aarch64-linux-gnu")
set(ENV{PKG_CONFIG_SYSROOT_DIR} "")
# Tests run through binfmt_misc's qemu-aarch64 (scripts/cross-arm64 registers it): criterion
# re-executes its own binary per test, which an explicit `qemu-aarch64 PROGRAM` would not cover.
set(CMAKE_CROSSCOMPILING_EMULATOR
  /usr/bin/env;LD_LIBRARY_PATH=${PP_ARM64_SYSROOT}/usr/lib/aarch64-linux-gnu)
