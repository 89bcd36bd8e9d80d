# Finds every dependency; a missing one names the Debian package that provides it
# (scripts/bootstrap installs them all).
find_package(PkgConfig REQUIRED)

set(PP_DEPS "")
macro(pp_pkg var module debpkg)
  pkg_check_modules(${var} IMPORTED_TARGET ${module})
  if(NOT ${var}_FOUND)
    message(FATAL_ERROR "${module} not found: install the Debian package ${debpkg} (scripts/bootstrap does)")
  endif()
  list(APPEND PP_DEPS PkgConfig::${var})
endmacro()
macro(pp_lib var name header debpkg)
  find_library(${var}_LIB ${name})
  find_path(${var}_INC ${header})
  if(NOT ${var}_LIB OR NOT ${var}_INC)
    message(FATAL_ERROR "lib${name} not found: install the Debian package ${debpkg} (scripts/bootstrap does)")
  endif()
  list(APPEND PP_DEPS ${${var}_LIB})
endmacro()

pp_lib(PFM pfm perfmon/pfmlib_perf_event.h libpfm4-dev)
pp_pkg(CPUID libcpuid libcpuid-dev)
pp_pkg(CAPSTONE capstone libcapstone-dev)
pp_pkg(CJSON libcjson libcjson-dev)
pp_pkg(MHD libmicrohttpd libmicrohttpd-dev)
pp_pkg(ZSTD libzstd libzstd-dev)
pp_pkg(SQLITE sqlite3 libsqlite3-dev)
pp_pkg(ARGON2 libargon2 libargon2-dev)
pp_pkg(SODIUM libsodium libsodium-dev)
pp_pkg(OPENSSL libcrypto libssl-dev)

find_package(zydis QUIET)
if(NOT zydis_FOUND)
  message(FATAL_ERROR "Zydis not found: install the Debian package libzydis-dev (scripts/bootstrap does)")
endif()
list(APPEND PP_DEPS Zydis::Zydis)

# Not find_package(xgboost): Debian's config file names a /usr/bin/xgboost it doesn't ship.
pp_lib(XGBOOST xgboost xgboost/c_api.h libxgboost-dev)

find_package(OpenMP REQUIRED)
list(APPEND PP_DEPS OpenMP::OpenMP_C m)

# Test oracles (reference implementations used by tests and benchmarks only).
find_library(RANDOMX_LIB randomx)
find_path(RANDOMX_INC randomx.h)
if(NOT RANDOMX_LIB OR NOT RANDOMX_INC)
  message(FATAL_ERROR "librandomx not found: install the Debian package librandomx-dev (the RandomX test oracle; scripts/bootstrap does)")
endif()
set(PP_ORACLE_LIBS ${RANDOMX_LIB})
