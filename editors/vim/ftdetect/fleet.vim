" .fleet files: fleet plans for fleetplan.
autocmd BufNewFile,BufRead *.fleet setfiletype fleet
