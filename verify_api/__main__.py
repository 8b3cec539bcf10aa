from verify_api.cli import main

raise SystemExit(main())
