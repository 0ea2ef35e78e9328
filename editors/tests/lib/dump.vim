" Loads editors/vim like a user's runtimepath would, opens each file of g:fleet_files and writes,
" the filetype, the last error message (empty when loading went well) and, for every line, the
" syntax group at each byte: `group/linked` (for example fleetUnit/Type).
set nocompatible
let &runtimepath = g:fleet_rtp . ',' . &runtimepath
filetype plugin on
syntax on
let s:out = []
for s:file in g:fleet_files
  let v:errmsg = ''
  execute 'silent edit! ' . fnameescape(s:file)
  call add(s:out, '=== ' . &filetype . ' ' . s:file)
  call add(s:out, v:errmsg)
  for s:lnum in range(1, line('$'))
    let s:groups = []
    for s:col in range(1, strlen(getline(s:lnum)))
      let s:id = synID(s:lnum, s:col, 1)
      call add(s:groups, synIDattr(s:id, 'name') . '/' . synIDattr(synIDtrans(s:id), 'name'))
    endfor
    call add(s:out, join(s:groups, ' '))
  endfor
endfor
call writefile(s:out, g:fleet_out)
qall!
