from effdesk.cli import main

raise SystemExit(main())
