# sysmt_synth: the synthesis flow (gen/synth_flow.cpp) with the script templates of synth/*.in
# embedded at configure time; included from gen/CMakeLists.txt.
set(_tpl_dir ${PROJECT_SOURCE_DIR}/synth)
set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS
             ${_tpl_dir}/synth.ys.in ${_tpl_dir}/synth_run.ys.in ${_tpl_dir}/abc_run.script.in ${_tpl_dir}/abc.constr.in ${_tpl_dir}/sta.tcl.in ${_tpl_dir}/sta_parts.tcl.in ${_tpl_dir}/gate_sim.ys.in ${_tpl_dir}/templates.hpp.in)
file(READ ${_tpl_dir}/synth.ys.in SYSMT_TPL_YOSYS)
file(READ ${_tpl_dir}/synth_run.ys.in SYSMT_TPL_YOSYS_RUN)
file(READ ${_tpl_dir}/abc_run.script.in SYSMT_TPL_ABC_RUN)
file(READ ${_tpl_dir}/abc.constr.in SYSMT_TPL_CONSTR)
file(READ ${_tpl_dir}/sta.tcl.in SYSMT_TPL_STA)
file(READ ${_tpl_dir}/sta_parts.tcl.in SYSMT_TPL_STA_PARTS)
file(READ ${_tpl_dir}/gate_sim.ys.in SYSMT_TPL_GATESIM)
configure_file(${_tpl_dir}/templates.hpp.in ${CMAKE_CURRENT_BINARY_DIR}/synth_inc/synth_templates.hpp @ONLY)
add_library(sysmt_synth STATIC ${PROJECT_SOURCE_DIR}/gen/synth_flow.cpp)
target_include_directories(sysmt_synth PUBLIC ${PROJECT_SOURCE_DIR}/gen PRIVATE ${CMAKE_CURRENT_BINARY_DIR}/synth_inc)
target_link_libraries(sysmt_synth PUBLIC sysmt_core nlohmann_json::nlohmann_json PRIVATE sysmt_gen fmt::fmt sysmt_warnings)
