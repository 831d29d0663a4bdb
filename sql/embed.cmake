# embed.cmake: turns the SQL files of sql/ into a C source (an array of
# name/text pairs), so the programs need no SQL directory at run time.
# Usage: cmake -DOUT=file.c -DSRC=dir -DFILES=a.sql,b.sql -P embed.cmake
set(body "/* generated from sql/ by sql/embed.cmake: do not edit */\n#include \"fi_schema.h\"\n\n")
set(table "")
set(i 0)
string(REPLACE "," ";" FILES "${FILES}")
foreach(f ${FILES})
  file(READ "${SRC}/${f}" hex HEX)
  string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," bytes "${hex}")
  string(APPEND body "static const char fi_sql_${i}[] = {${bytes}0x00};\n")
  string(APPEND table "\t{\"${f}\", fi_sql_${i}},\n")
  math(EXPR i "${i} + 1")
endforeach()
string(APPEND body "\nconst struct fi_sql_file fi_sql_files[] = {\n${table}\t{0, 0},\n};\n")
file(WRITE "${OUT}.tmp" "${body}")
execute_process(COMMAND ${CMAKE_COMMAND} -E copy_if_different "${OUT}.tmp" "${OUT}")
file(REMOVE "${OUT}.tmp")
