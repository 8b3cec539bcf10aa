from verify_api.cli.main import main

raise SystemExit(main())
