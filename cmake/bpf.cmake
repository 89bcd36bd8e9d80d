# pp_bpf_skeleton(TARGET SOURCE NAME): compiles SOURCE (relative to the source root) for the BPF
# target, CO-RE, for the architecture being built, and generates the libbpf skeleton NAME.skel.h
# (the object embedded, struct NAME) that TARGET's sources include.
if(CMAKE_SYSTEM_PROCESSOR MATCHES "^(x86_64|AMD64|amd64)$")
  set(PP_BPF_ARCH x86)
elseif(CMAKE_SYSTEM_PROCESSOR MATCHES "^(aarch64|arm64)$")
  set(PP_BPF_ARCH arm64)
else()
  message(FATAL_ERROR "no eBPF target architecture for ${CMAKE_SYSTEM_PROCESSOR}")
endif()

function(pp_bpf_skeleton target src name)
  set(out ${CMAKE_BINARY_DIR}/generated/bpf)
  get_filename_component(dir ${CMAKE_SOURCE_DIR}/${src} DIRECTORY)
  file(MAKE_DIRECTORY ${out})
  # <linux/bpf.h> includes <asm/types.h>, which lives under the multiarch include folder.
  set(asm_inc "")
  if(CMAKE_LIBRARY_ARCHITECTURE)
    set(asm_inc -idirafter /usr/include/${CMAKE_LIBRARY_ARCHITECTURE})
  endif()
  add_custom_command(OUTPUT ${out}/${name}.bpf.o
    COMMAND ${PP_BPF_CLANG} -target bpf -O2 -g -Wall -D__TARGET_ARCH_${PP_BPF_ARCH}
      -I${dir} ${asm_inc} -c ${CMAKE_SOURCE_DIR}/${src} -o ${out}/${name}.bpf.o
    DEPENDS ${CMAKE_SOURCE_DIR}/${src} ${dir}/ebpf-maps.h
    COMMENT "BPF ${src}" VERBATIM)
  add_custom_command(OUTPUT ${out}/${name}.skel.h
    COMMAND ${PP_BPFTOOL} gen skeleton ${out}/${name}.bpf.o name ${name} > ${out}/${name}.skel.h.tmp
    COMMAND ${CMAKE_COMMAND} -E rename ${out}/${name}.skel.h.tmp ${out}/${name}.skel.h
    DEPENDS ${out}/${name}.bpf.o
    COMMENT "BPF skeleton ${name}.skel.h" VERBATIM)
  target_sources(${target} PRIVATE ${out}/${name}.skel.h)
  target_include_directories(${target} PRIVATE ${out})
endfunction()
