from autopyfactory.cli.main import main

raise SystemExit(main())
