# wave_add_component(NAME SOURCES ... [DEPENDS targets...] [COMPONENTS names...])
# Defines the OBJECT library wave_<NAME>, compiled into libwave. DEPENDS are external
# targets; COMPONENTS are other Wave components whose headers it uses. Object files are not
# passed on transitively, so a test links every component it needs (see wave_add_test).
set(WAVE_COMPONENT_TARGETS "" CACHE INTERNAL "")
set(WAVE_COMPONENT_DEPENDENCIES "" CACHE INTERNAL "")
function(wave_add_component name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPENDS;COMPONENTS" ${ARGN})
  set(target wave_${name})
  add_library(${target} OBJECT ${ARG_SOURCES})
  target_compile_features(${target} PUBLIC cxx_std_20)
  set_target_properties(${target} PROPERTIES
    CXX_EXTENSIONS OFF
    POSITION_INDEPENDENT_CODE ON
    C_VISIBILITY_PRESET hidden
    CXX_VISIBILITY_PRESET hidden
    VISIBILITY_INLINES_HIDDEN ON)
  target_include_directories(${target} PUBLIC "${PROJECT_SOURCE_DIR}/src")
  # Compiled as part of libwave: WAVE_API means "export", not "import".
  target_compile_definitions(${target} PRIVATE wave_EXPORTS)
  list(TRANSFORM ARG_COMPONENTS PREPEND wave_ OUTPUT_VARIABLE component_targets)
  target_link_libraries(${target}
    PUBLIC wave_public_headers ${ARG_DEPENDS} ${component_targets}
    PRIVATE wave_warnings)
  set(WAVE_COMPONENT_TARGETS ${WAVE_COMPONENT_TARGETS} ${target} CACHE INTERNAL "")
  set(WAVE_COMPONENT_DEPENDENCIES ${WAVE_COMPONENT_DEPENDENCIES} ${ARG_DEPENDS} CACHE INTERNAL "")
endfunction()
