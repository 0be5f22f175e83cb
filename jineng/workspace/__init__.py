"""Each role's home page (工作台): what is waiting for the person who signs in, one click
from the action."""
