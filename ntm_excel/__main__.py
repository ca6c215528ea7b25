from ntm_excel.cli import main

raise SystemExit(main())
