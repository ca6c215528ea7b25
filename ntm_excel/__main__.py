from ntm_excel.cli import program

program()
