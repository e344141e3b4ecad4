from calendar_gateway.cli import main

main()
