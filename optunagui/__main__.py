from optunagui.cli import main

raise SystemExit(main())
