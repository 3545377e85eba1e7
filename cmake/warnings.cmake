# Warning flags shared by every smartflow target (see STYLE.md).
set(SF_WARNINGS
  -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wno-sign-conversion
  -Wstrict-prototypes -Wmissing-prototypes -Wformat=2 -Wvla -Wimplicit-fallthrough
  -Wundef -Wcast-qual -Wwrite-strings -Wpointer-arith -Wnull-dereference)
if(SF_WERROR)
  list(APPEND SF_WARNINGS -Werror)
endif()

function(sf_target_defaults tgt)
  target_compile_options(${tgt} PRIVATE ${SF_WARNINGS})
  target_compile_features(${tgt} PUBLIC c_std_17)
  set_target_properties(${tgt} PROPERTIES C_EXTENSIONS OFF)
  target_compile_definitions(${tgt} PRIVATE _POSIX_C_SOURCE=200809L _DEFAULT_SOURCE)
endfunction()
