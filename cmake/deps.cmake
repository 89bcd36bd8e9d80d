# Finds every dependency; a missing one names the Debian package that provides it
# (scripts/bootstrap installs them all). Each dependency is a key (CJSON, PFM, ...) with
#   PP_DEP_<KEY>      what target_link_libraries takes
#   PP_DEP_<KEY>_PC   how powprint.pc names it: "Requires <module>" or "Libs <flags>"
# so the layers in CMakeLists.txt name dependencies by key and powprint.pc is generated from
# them (cmake/layers.cmake).
find_package(PkgConfig REQUIRED)

macro(pp_pkg key module debpkg)
  pkg_check_modules(${key} IMPORTED_TARGET ${module})
  if(NOT ${key}_FOUND)
    message(FATAL_ERROR "${module} not found: install the Debian package ${debpkg} (scripts/bootstrap does)")
  endif()
  set(PP_DEP_${key} PkgConfig::${key})
  set(PP_DEP_${key}_PC "Requires ${module}")
endmacro()
macro(pp_lib key name header debpkg)
  find_library(${key}_LIB ${name})
  find_path(${key}_INC ${header})
  if(NOT ${key}_LIB OR NOT ${key}_INC)
    message(FATAL_ERROR "lib${name} not found: install the Debian package ${debpkg} (scripts/bootstrap does)")
  endif()
  set(PP_DEP_${key} ${${key}_LIB})
  set(PP_DEP_${key}_PC "Libs -l${name}")
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
set(PP_DEP_ZYDIS Zydis::Zydis)
set(PP_DEP_ZYDIS_PC "Libs -lZydis")

# Not find_package(xgboost): Debian's config file names a /usr/bin/xgboost it doesn't ship.
pp_lib(XGBOOST xgboost xgboost/c_api.h libxgboost-dev)

find_package(OpenMP REQUIRED)
set(PP_DEP_OPENMP OpenMP::OpenMP_C)
set(PP_DEP_OPENMP_PC "Libs -fopenmp")
set(PP_DEP_M m)
set(PP_DEP_M_PC "Libs -lm")

# Test oracles (reference implementations used by tests and benchmarks only).
find_library(RANDOMX_LIB randomx)
find_path(RANDOMX_INC randomx.h)
if(NOT RANDOMX_LIB OR NOT RANDOMX_INC)
  message(FATAL_ERROR "librandomx not found: install the Debian package librandomx-dev (the RandomX test oracle; scripts/bootstrap does)")
endif()
set(PP_ORACLE_LIBS ${RANDOMX_LIB})
